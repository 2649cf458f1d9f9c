// `multiregion plan` output: one line per planned change, terraform-like symbols.
import type { PlannedChange } from '../api/types.ts';

const SYMBOL: Record<PlannedChange['action'], string> = {
  Create: '+',
  Update: '~',
  Delete: '-',
  Accept: '~',
  Associate: '~',
  Disassociate: '~',
  Promote: '!',
  Put: '~',
};

export function formatPlannedChange(c: PlannedChange): string {
  const where = c.region ? ` (${c.region})` : '';
  const detail = c.detail ? `: ${c.detail}` : '';
  return `${SYMBOL[c.action] ?? '?'} ${c.action} ${c.resource}${where}${detail}`;
}

export function formatPlan(ref: string, changes: readonly PlannedChange[]): string {
  if (changes.length === 0) return `${ref}: no changes; AWS matches the spec.\n`;
  const counts = new Map<string, number>();
  for (const c of changes) counts.set(c.action, (counts.get(c.action) ?? 0) + 1);
  const summary = [...counts].map(([a, n]) => `${n} ${a.toLowerCase()}`).join(', ');
  return (
    `${ref}: ${changes.length} planned change${changes.length === 1 ? '' : 's'} (${summary})\n` + changes.map((c) => `  ${formatPlannedChange(c)}\n`).join('')
  );
}
