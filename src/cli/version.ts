/** The tool's version, from package.json. */
export { version } from '../core/version.js';
