// The version this build reports (`multiregion version`, the controller's --version and its
// build-info metric): package.json's, read from the file that ships beside dist/ in every
// layout (the image's /app, an npm install, this tree), so there is one place to bump it.
import { readFileSync } from 'node:fs';

// src/version.ts and dist/version.js both sit one level below package.json.
const PACKAGE_JSON = new URL('../package.json', import.meta.url);

let cached: string | undefined;

/** package.json's "version"; throws naming the file when the install lacks it (a broken package). */
export function buildVersion(): string {
  if (cached !== undefined) return cached;
  let version: unknown;
  try {
    version = (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version?: unknown }).version;
  } catch (e) {
    throw new Error(`cannot read the version from ${PACKAGE_JSON.pathname}: ${(e as Error).message}`);
  }
  if (typeof version !== 'string' || version === '') throw new Error(`${PACKAGE_JSON.pathname} has no "version"`);
  cached = version;
  return version;
}
