#!/usr/bin/env node
// Entry point of the `segment` command; the program itself lives in dist/cli (built from src/cli).
import { main } from '../dist/cli/main.js';

process.stdout.on('error', (e) => {
  // `segment … | head` closes the pipe early: that is not an error.
  if (e && e.code === 'EPIPE') process.exit(0);
  throw e;
});
process.exitCode = await main(process.argv);
