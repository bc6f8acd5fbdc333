/** The tool's version, from package.json. */
export { toolVersion as version } from '../core/version.js';
