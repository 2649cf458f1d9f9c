// The environment the image runs the controller with, read from the Dockerfile, for the tests
// and the bench that run dist/main.js as the image does: a setting added there is tested and
// measured without a second copy here.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { repoRoot } from './stack.ts';

/**
 * The Dockerfile's `ENV` lines (quoted values or not, continued or not). HOME is left out: the
 * image's /tmp is for a read-only root filesystem, not a setting of the process.
 */
export function imageEnvironment(dockerfile: string): Record<string, string> {
  const env: Record<string, string> = {};
  const lines = dockerfile.replace(/\\\n/g, ' ').split('\n');
  for (const line of lines.filter((l) => /^ENV\s/.test(l))) {
    for (const m of line.slice(4).matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|(\S*))/g)) {
      if (m[1] !== 'HOME') env[m[1] ?? ''] = m[2] ?? m[3] ?? '';
    }
  }
  return env;
}

/** Debian's multiarch directory names, by Node's `process.arch`. */
const MULTIARCH: Record<string, string> = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };

/** Where this machine keeps a shared library of that file name, if it has it. */
export function hostLibrary(file: string, arch = process.arch, exists = existsSync): string | undefined {
  const dirs = [...(MULTIARCH[arch] ? [`/usr/lib/${MULTIARCH[arch]}`, `/lib/${MULTIARCH[arch]}`] : []), '/usr/lib64', '/usr/lib', '/lib'];
  return dirs.map((d) => join(d, file)).find((p) => exists(p));
}

/**
 * The image's environment for a process on this machine: LD_PRELOAD names the image's own copy of
 * each library (/app/lib/…), so it is pointed at this machine's copy of the same file. A library
 * this machine lacks is an error, not a silent run on another allocator: ld.so would only warn.
 */
export function onThisHost(env: Record<string, string>, find: (file: string) => string | undefined = hostLibrary): Record<string, string> {
  if (!env.LD_PRELOAD) return env;
  const libs = env.LD_PRELOAD.split(/[ :]+/)
    .filter(Boolean)
    .map((lib) => {
      const here = find(basename(lib));
      if (!here) throw new Error(`the image preloads ${lib} (Dockerfile LD_PRELOAD); this machine has no ${basename(lib)}: run bash test/env/install-tools.sh`);
      return here;
    });
  return { ...env, LD_PRELOAD: libs.join(':') };
}

/** The repo Dockerfile's environment, for a process on this machine. */
export function imageEnvironmentHere(): Record<string, string> {
  return onThisHost(imageEnvironment(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8')));
}
