// `multiregion status`: every RegionPair and FailoverPolicy in one table (-o wide: more columns;
// -o json|yaml: the objects themselves, as a v1 List).
import type { Output } from '../args.ts';
import type { CliClient } from '../client.ts';
import { resolveKind } from '../kinds.ts';
import { asList, renderData } from '../output.ts';
import { STATUS_HEADERS, type StatusObject, sortForStatus, statusRows, WIDE_HEADERS } from '../status-rows.ts';
import { renderTable } from '../table.ts';

export async function statusCommand(client: CliClient, namespace: string | undefined, output: Output = 'table'): Promise<string> {
  const [pairs, policies] = await Promise.all([client.list(resolveKind('RegionPair'), namespace), client.list(resolveKind('FailoverPolicy'), namespace)]);
  const objects = [...pairs, ...policies] as StatusObject[];
  const data = renderData(output, asList(sortForStatus(objects)));
  if (data !== undefined) return data;
  if (objects.length === 0) return `No RegionPairs or FailoverPolicies${namespace ? ` in namespace ${namespace}` : ''}.\n`;
  return output === 'wide' ? renderTable(WIDE_HEADERS, statusRows(objects, true)) : renderTable(STATUS_HEADERS, statusRows(objects));
}
