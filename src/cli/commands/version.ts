// `multiregion version`: which build of the CLI this is. Offline: reads no kubeconfig, so it
// answers even where the cluster is unreachable (the first thing to ask in a bug report).
import { parseArgs } from 'node:util';
import { buildVersion } from '../../version.ts';
import { UsageError } from '../errors.ts';

export const VERSION_USAGE = `multiregion version — print the CLI's version

Usage:
  multiregion version [-o json]

  -o, --output json   one JSON object: version, node, platform
  -h, --help
`;

export interface VersionInfo {
  version: string;
  node: string;
  platform: string;
}

export function versionInfo(): VersionInfo {
  return { version: buildVersion(), node: process.version, platform: `${process.platform}/${process.arch}` };
}

/** Bad flags exit with 2, like the other commands' usage errors. */
function usageError(message: string): UsageError {
  return new UsageError(`${message}\n\n${VERSION_USAGE}`);
}

export function versionCommand(argv: string[]): string {
  let values: { output?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: { output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (e) {
    throw usageError((e as Error).message);
  }
  if (values.help) return VERSION_USAGE;
  const info = versionInfo();
  if (values.output === 'json') return `${JSON.stringify(info)}\n`;
  if (values.output !== undefined) throw usageError(`-o ${JSON.stringify(values.output)}: version prints text (the default) or json`);
  return `multiregion ${info.version} (node ${info.node}, ${info.platform})\n`;
}
