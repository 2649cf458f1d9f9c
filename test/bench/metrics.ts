// Counters the benchmark reads from outside the controller: the apiserver's own request
// counters (so the controller's claims about itself are not the source), the controller's
// process metrics, and the fault proxy's AWS call log.
import { request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { CallInfo } from '../env/fault-proxy.ts';

export interface ApiserverRequests {
  /** verb → count, only for the multiregion.dev group (the controller's own objects). */
  byVerb: Record<string, number>;
  /** "verb resource/subresource" → count, every group except the apiserver's own housekeeping. */
  byVerbResource: Record<string, number>;
}

/** GET {server}/metrics with the kubeconfig's bearer token and CA. */
export async function apiserverMetricsPage(kc: KubeConfig): Promise<string> {
  const cluster = kc.getCurrentCluster();
  const token = kc.getCurrentUser()?.token;
  if (!cluster || !token) throw new Error('kubeconfig needs a cluster and a bearer token');
  const ca = cluster.caData ? Buffer.from(cluster.caData, 'base64') : undefined;
  return new Promise((resolve, reject) => {
    const req = request(`${cluster.server}/metrics`, { headers: { authorization: `Bearer ${token}` }, ca }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`apiserver /metrics: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

function labelsOf(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out[m[1]!] = m[2]!;
  return out;
}

/** Sums apiserver_request_total by the client's point of view (excludes the apiserver's own loopback user-agent). */
export function parseApiserverRequests(page: string, clientFilter: (labels: Record<string, string>) => boolean = () => true): ApiserverRequests {
  const byVerb: Record<string, number> = {};
  const byVerbResource: Record<string, number> = {};
  for (const line of page.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const i = line.lastIndexOf('}');
    const labels = labelsOf(line.slice('apiserver_request_total{'.length, i));
    const n = Number(line.slice(i + 1).trim());
    if (!clientFilter(labels)) continue;
    const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
    byVerbResource[key] = (byVerbResource[key] ?? 0) + n;
    if (labels.group === 'multiregion.dev') byVerb[labels.verb!] = (byVerb[labels.verb!] ?? 0) + n;
  }
  return { byVerb, byVerbResource };
}

export function diffCounts(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

export async function apiserverRequests(kc: KubeConfig): Promise<ApiserverRequests> {
  return parseApiserverRequests(await apiserverMetricsPage(kc));
}

export const WRITE_VERBS = ['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY', 'CREATE', 'UPDATE'];
export const sumWrites = (byVerb: Record<string, number>): number =>
  Object.entries(byVerb)
    .filter(([v]) => WRITE_VERBS.includes(v.toUpperCase()))
    .reduce((n, [, c]) => n + c, 0);

const MUTATING = new RegExp(
  `^(${[
    ...['Create', 'Delete', 'Modify', 'Put', 'Change', 'Associate', 'Disassociate', 'Accept', 'Reject', 'Replace', 'Update'],
    ...['Enable', 'Disable', 'Tag', 'Untag', 'Register', 'Deregister', 'Reboot', 'Promote', 'Failover', 'Start', 'Stop'],
  ].join('|')})`,
);
export const isMutating = (operation: string): boolean => MUTATING.test(operation);

/** "service:Operation" → count. */
export function tallyCalls(calls: readonly CallInfo[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of calls) out[`${c.service}:${c.operation}`] = (out[`${c.service}:${c.operation}`] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

export interface ProcessMemory {
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
}

export async function controllerMemory(metricsUrl: string): Promise<ProcessMemory> {
  const page = await (await fetch(metricsUrl)).text();
  const get = (name: string): number => {
    const line = page.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
  };
  return {
    rssBytes: get('process_resident_memory_bytes'),
    heapUsedBytes: get('nodejs_heap_size_used_bytes'),
    heapTotalBytes: get('nodejs_heap_size_total_bytes'),
  };
}

export const mib = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;
export { setTimeout as sleep } from 'node:timers/promises';

/**
 * A full garbage collection in the controller through its inspector (started with
 * --inspect on loopback), so heap figures are live objects rather than GC timing.
 */
export async function collectGarbage(inspectPort: number): Promise<void> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error('controller inspector: no target');
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('controller inspector: no answer to collectGarbage')), 30_000);
    ws.onerror = () => {
      clearTimeout(t);
      reject(new Error('controller inspector: websocket error'));
    };
    ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
    ws.onmessage = (ev) => {
      if ((JSON.parse(String(ev.data)) as { id?: number }).id === 1) {
        clearTimeout(t);
        resolve();
      }
    };
  });
  ws.close();
}
