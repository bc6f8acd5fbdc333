import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** The tool's version, from package.json (written into every model and manifest). */
export const toolVersion = pkg.version;
