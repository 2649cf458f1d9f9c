// CPU time of the processes this bench started (moto, etcd, kube-apiserver, the controller), read
// from /proc: what the machine spent on a window, by part. A window whose parts together keep
// every core busy cannot be shortened by the controller's scheduling, only by less work.
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Linux's USER_HZ: /proc reports CPU time in these ticks (100 on every mainstream kernel). */
const TICKS_PER_SECOND = 100;

export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, seconds. */
  cpuSeconds: number;
}

/** Pure: one /proc/PID/stat line. The command name may hold spaces and parentheses, so fields are counted after its last ')'. */
export function parseProcStat(line: string): ProcStat | undefined {
  const close = line.lastIndexOf(')');
  const pid = Number.parseInt(line, 10);
  if (close < 0 || !Number.isFinite(pid)) return undefined;
  // After ")": state(3) ppid(4) … utime(14) stime(15), numbered as in proc(5).
  const f = line
    .slice(close + 2)
    .trim()
    .split(' ');
  const ppid = Number(f[1]);
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  if (![ppid, utime, stime].every(Number.isFinite)) return undefined;
  return { pid, ppid, cpuSeconds: (utime + stime) / TICKS_PER_SECOND };
}

/** Pure: which part of the stack a command line is. */
export function partOf(cmdline: string): string {
  if (/moto_server/.test(cmdline)) return 'moto';
  if (/kube-apiserver/.test(cmdline)) return 'apiserver';
  if (/\betcd\b/.test(cmdline)) return 'etcd';
  if (/src\/main\.ts|dist\/main\.js/.test(cmdline)) return 'controller';
  return 'other';
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process exited between the listing and the read
  }
};

/** CPU seconds so far of every descendant of `root`, summed by part (plus `bench`: this process itself). */
export function stackCpu(root = process.pid): Record<string, number> {
  const stats = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = read(`/proc/${name}/stat`);
    const p = s && parseProcStat(s);
    if (p) stats.set(p.pid, p);
  }
  const children = new Map<number, number[]>();
  for (const p of stats.values()) {
    const siblings = children.get(p.ppid);
    if (siblings) siblings.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const own = process.cpuUsage();
  const out: Record<string, number> = { bench: (own.user + own.system) / 1e6 };
  const todo = [...(children.get(root) ?? [])];
  while (todo.length > 0) {
    const pid = todo.pop() as number;
    todo.push(...(children.get(pid) ?? []));
    const part = partOf((read(`/proc/${pid}/cmdline`) ?? '').replaceAll('\0', ' '));
    out[part] = (out[part] ?? 0) + (stats.get(pid)?.cpuSeconds ?? 0);
  }
  return out;
}

export interface WindowCpu {
  /** CPU seconds spent in the window, by part. */
  byPart: Record<string, number>;
  total: number;
  wallSeconds: number;
  cores: number;
  /** total / (wall × cores): 1 = every core busy with the stack for the whole window. */
  busyShare: number;
  /** total / cores: the shortest the window could have been on this machine with the same work. */
  floorSeconds: number;
}

/** Pure: the window between two stackCpu() readings `wallSeconds` apart. */
export function windowCpu(before: Record<string, number>, after: Record<string, number>, wallSeconds: number, cores = availableParallelism()): WindowCpu {
  const byPart: Record<string, number> = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    // A process that exited in the window takes its time with it: never count below zero.
    byPart[k] = Math.round(Math.max(0, (after[k] ?? 0) - (before[k] ?? 0)) * 100) / 100;
  }
  const total = Object.values(byPart).reduce((a, b) => a + b, 0);
  return {
    byPart,
    total: Math.round(total * 100) / 100,
    wallSeconds,
    cores,
    busyShare: wallSeconds > 0 ? Math.round((total / (wallSeconds * cores)) * 100) / 100 : 0,
    floorSeconds: Math.round((total / cores) * 100) / 100,
  };
}
