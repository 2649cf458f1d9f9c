// -o json / -o yaml, as kubectl prints them: one object as itself, several as a v1 List, so the
// output pipes into jq, yq or `kubectl apply -f -` without a wrapper of our own.
import { stringify } from 'yaml';
import type { Output } from './args.ts';

/** The machine-readable forms; undefined for table and wide (the caller's own rendering). */
export function renderData(format: Output, data: unknown): string | undefined {
  if (format === 'json') return `${JSON.stringify(data, null, 2)}\n`;
  if (format === 'yaml') return stringify(data);
  return undefined;
}

/** Several objects as kubectl prints a list. */
export const asList = (items: readonly unknown[]): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'List', items, metadata: {} });
