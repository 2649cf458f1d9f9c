// `multiregion status`: every RegionPair and FailoverPolicy in one table.
import type { CliClient } from '../client.ts';
import { resolveKind } from '../kinds.ts';
import { STATUS_HEADERS, type StatusObject, statusRows } from '../status-rows.ts';
import { renderTable } from '../table.ts';

export async function statusCommand(client: CliClient, namespace: string | undefined): Promise<string> {
  const [pairs, policies] = await Promise.all([client.list(resolveKind('RegionPair'), namespace), client.list(resolveKind('FailoverPolicy'), namespace)]);
  const objects = [...pairs, ...policies] as StatusObject[];
  if (objects.length === 0) return `No RegionPairs or FailoverPolicies${namespace ? ` in namespace ${namespace}` : ''}.\n`;
  return renderTable(STATUS_HEADERS, statusRows(objects));
}
