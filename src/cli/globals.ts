import { intAtLeast, memorySize, type Param } from '../core/params.js';

/** The global options (before the command name). */
export const globalParams: readonly Param[] = [
  { flags: '-q, --quiet', help: 'only print errors on stderr' },
  { flags: '-v, --verbose', help: 'print debug messages on stderr' },
  {
    flags: '--log-format <format>',
    help: 'log records on stderr as text or JSON lines',
    choices: ['text', 'json'],
    default: 'text',
  },
  {
    flags: '--log-level <level>',
    help: 'least severe records printed on stderr; -q means error, -v and --debug mean debug (default: info)',
    choices: ['debug', 'info', 'warn', 'error'],
  },
  {
    flags: '--threads <n>',
    help: 'worker threads and DuckDB threads (default: all cores)',
    parse: intAtLeast(1),
  },
  { flags: '--seed <n>', help: 'seed of every random choice', parse: intAtLeast(0), default: 42 },
  {
    flags: '--memory-limit <size>',
    help: 'memory budget of O(n²) algorithms, random forests and DuckDB (a quarter of it, at least 256MB), e.g. 2GB (default: 4GB)',
    parse: memorySize,
  },
  { flags: '--debug', help: 'print stack traces of errors' },
];
