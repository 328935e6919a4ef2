/** Airlock's version, read once from package.json (the one place it is written). */
import { readFileSync } from 'node:fs';

// src/report/version.ts and dist/report/version.js both sit two levels below the package root.
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export const AIRLOCK_VERSION: string = pkg.version;
