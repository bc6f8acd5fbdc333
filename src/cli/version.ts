/** The tool's version, from package.json (read by the library in core/version.ts). */
export { version } from '../core/version.js';
