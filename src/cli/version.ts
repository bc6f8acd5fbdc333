/** The tool's version, from package.json (kept in core so the library can record it in what it writes). */
export { version } from '../core/version.js';
