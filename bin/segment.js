#!/usr/bin/env node
// Entry point of the `segment` command; the program itself lives in dist/cli (built from src/cli).
process.stdout.on('error', (e) => {
  // `segment … | head` closes the pipe early: that is not an error.
  if (e && e.code === 'EPIPE') process.exit(0);
  throw e;
});

let main;
try {
  ({ main } = await import('../dist/cli/main.js'));
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
