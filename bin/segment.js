#!/usr/bin/env node
// Entry point of the `segment` command; the program itself lives in dist/cli (built from src/cli).
// A failed write to stdout is one line and exit 3, however it is noticed: by the writer awaiting it (the command
// then fails with that line) or only here (a result printed without waiting; reported once the command is done).
let finished = false;
let stdoutFailure = null;
let describe = null;
const reportStdout = () => {
  process.stderr.write(`segment: ${describe(stdoutFailure).message}\n`);
  process.exitCode = 3;
};
process.stdout.on('error', (e) => {
  // `segment … | head` closes the pipe early: that is not an error.
  if (e && e.code === 'EPIPE') process.exit(0);
  if (stdoutFailure) return;
  stdoutFailure = e ?? new Error('unknown error');
  if (finished && process.exitCode === 0) reportStdout();
});

let main;
try {
  ({ main, stdoutError: describe } = await import('../dist/cli/main.js'));
} catch (e) {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/cli/main.js')) {
    process.stderr.write(
      'segment: the program is not built (dist/cli/main.js is missing) (hint: run `npm run build` in the segment folder, or reinstall)\n',
    );
    process.exit(4);
  }
  throw e;
}
process.exitCode = await main(process.argv);
finished = true;
if (stdoutFailure && process.exitCode === 0) reportStdout();
