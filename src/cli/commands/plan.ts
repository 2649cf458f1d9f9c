// `multiregion plan`: turns dry-run on, waits for the controller's plan, prints it, and puts
// the object back the way it was (unless --keep). An object already in dry-run stays so.
import { ANNOTATIONS, type KindInfo, type PlannedChange } from '../../api/types.ts';
import type { Output } from '../args.ts';
import type { CliClient, Json } from '../client.ts';
import { renderData } from '../output.ts';
import { formatPlan } from '../plan-format.ts';
import { pollUntil } from '../poll.ts';

export interface PlanOptions {
  kind: KindInfo;
  namespace: string;
  name: string;
  keep: boolean;
  timeoutMs: number;
  /** json / yaml: `{kind, namespace, name, plannedChanges}`; table and wide: the text form. */
  output?: Output;
}

/** The plan, once the status shows a dry-run reconcile of the current generation. */
export function plannedChangesOf(o: Json): PlannedChange[] | undefined {
  const synced = (o.status?.conditions ?? []).find((c: Json) => c.type === 'Synced');
  const current = (o.status?.observedGeneration ?? 0) >= (o.metadata?.generation ?? 0);
  if (!current || synced?.reason !== 'DryRun' || !Array.isArray(o.status?.plannedChanges)) return undefined;
  return o.status.plannedChanges as PlannedChange[];
}

export async function planCommand(client: CliClient, o: PlanOptions, log: (s: string) => void): Promise<string> {
  const before = await client.get(o.kind, o.namespace, o.name);
  const wasDryRun = before.metadata?.annotations?.[ANNOTATIONS.dryRun] === 'true';
  const ref = `${o.kind.kind} ${o.namespace}/${o.name}`;
  if (!wasDryRun) {
    log(`${ref}: dry-run on, waiting for the controller's plan…`);
    // reconcile-now makes the controller look at the object even if it filters annotation-only updates.
    await client.mergePatch(o.kind, o.namespace, o.name, {
      metadata: { annotations: { [ANNOTATIONS.dryRun]: 'true', [ANNOTATIONS.reconcileNow]: new Date().toISOString() } },
    });
  }
  try {
    const changes = await pollUntil(
      `the controller to write status.plannedChanges on ${ref}`,
      async () => plannedChangesOf(await client.get(o.kind, o.namespace, o.name)),
      o.timeoutMs,
    );
    const data = renderData(o.output ?? 'table', { kind: o.kind.kind, namespace: o.namespace, name: o.name, plannedChanges: changes });
    return data ?? formatPlan(ref, changes);
  } finally {
    if (!wasDryRun && !o.keep) {
      await client.annotate(o.kind, o.namespace, o.name, ANNOTATIONS.dryRun, null);
      log(`${ref}: dry-run removed (use --keep to leave it on).`);
    }
  }
}
