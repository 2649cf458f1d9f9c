// The crash-matrix machinery shared by the per-kind matrices: one controller at a time behind
// the fault proxy, SIGKILLed right after AWS applied an armed call, then replaced.
import assert from 'node:assert/strict';
import { type ControllerProcess, startController } from '../env/controller.ts';
import type { CallInfo, FaultProxy } from '../env/fault-proxy.ts';
import { CANARY, keepLogs, record } from './harness.ts';

/** Operations that change AWS state (the crash points). */
export const MUTATING =
  /^(Create|Delete|Associate|Disassociate|Accept|Put|Modify|Replace|Enable|Disable|Change|Update|Promote|Reboot|Add|Remove|Revoke|Authorize|Stop)/;
export const key = (c: { service: string; operation: string }) => `${c.service}:${c.operation}`;
/** MRC_CRASH_ONLY=op1,op2 narrows the matrix while debugging one point. */
export const only = (p: string) => !process.env.MRC_CRASH_ONLY || process.env.MRC_CRASH_ONLY.split(',').some((o) => p.endsWith(o));
/** Every mutating call of a slice, in order: `svc:Op` for the first of an operation, `svc:Op#n` for the nth. */
export function mutatingSteps(calls: CallInfo[]): string[] {
  const seen = new Map<string, number>();
  return calls
    .filter((c) => MUTATING.test(c.operation) && (c.status ?? 0) < 400)
    .map((c) => {
      const n = (seen.get(key(c)) ?? 0) + 1;
      seen.set(key(c), n);
      return n === 1 ? key(c) : `${key(c)}#${n}`;
    });
}
/** The distinct mutating calls of a slice of the call log, in first-call order. */
export const mutatingPoints = (calls: CallInfo[]): string[] => mutatingSteps(calls).filter((s) => !s.includes('#'));

export class CrashKit {
  ctrl: ControllerProcess | undefined;
  constructor(private readonly o: { kubeconfigPath: string; proxy: FaultProxy; label: string; args?: string[] }) {}

  async start(): Promise<ControllerProcess> {
    this.ctrl = await startController({
      kubeconfigPath: this.o.kubeconfigPath,
      awsEndpoint: this.o.proxy.endpoint,
      // No leader election: a SIGKILLed leader's Lease would make every restart wait 15 s.
      args: ['--leader-elect=false', ...(this.o.args ?? [])],
      env: { AWS_SECRET_ACCESS_KEY: CANARY.secretKey, AWS_SESSION_TOKEN: CANARY.sessionToken },
    });
    return this.ctrl;
  }

  async current(): Promise<ControllerProcess> {
    return this.ctrl && this.ctrl.proc.exitCode === null && this.ctrl.proc.signalCode === null ? this.ctrl : this.start();
  }

  /** The next `point` call (`svc:Op`, or its nth with `svc:Op#n`) is applied by AWS, its answer lost, and the current controller killed. */
  arm(point: string): void {
    const [call, nth] = point.split('#') as [string, string | undefined];
    const [service, operation] = call.split(':') as [string, string];
    const victim = this.ctrl;
    this.o.proxy.add({ service, operation, kind: 'applyThenDrop', times: 1, skip: nth ? Number(nth) - 1 : 0, hook: () => victim?.kill() });
  }

  /** Waits for the armed kill, keeps the victim's logs, starts the next controller. */
  async afterKill(point: string, timeoutMs = 60_000): Promise<ControllerProcess> {
    const victim = this.ctrl!;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      victim.exited,
      new Promise((_, rej) => {
        timer = setTimeout(() => rej(new Error(`${point} was never called`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    keepLogs(`${this.o.label}-${point.replace(/[:#]/g, '-')}`, victim.logs());
    return this.start();
  }

  async stop(): Promise<void> {
    if (this.ctrl) keepLogs(this.o.label, this.ctrl.logs());
    await this.ctrl?.stop();
  }
}

export interface CrashResult {
  point: string;
  phase: string;
  duplicates: string[];
  leaks: string[];
}

/** The points of a crash matrix that ended with duplicates or leaks, for the summary note. */
export const failedPoints = (results: CrashResult[], label: (r: CrashResult) => string): string =>
  results
    .filter((r) => r.duplicates.length || r.leaks.length)
    .map(label)
    .join(',') || 'none';

/** One matrix's line in the suite summary: points covered, duplicates, leaks. */
export function recordCrashMatrix(file: string, results: CrashResult[], note: string): void {
  record({
    file,
    crashPoints: results.length,
    duplicates: results.reduce((n, r) => n + r.duplicates.length, 0),
    leaks: results.reduce((n, r) => n + r.leaks.length, 0),
    faults: { crashAfterApply: results.length },
    note,
  });
}

/** One object's life as a two-phase crash matrix drives it. */
export interface Life<T> {
  /** Empty AWS and apiserver, then whatever the object needs (seeded VPCs, a zone). */
  fresh(): Promise<T>;
  apply(ctx: T): Promise<unknown>;
  /** Waits for Ready and returns what differs from a clean run (duplicates, strays). */
  converged(ctx: T): Promise<string[]>;
  delete(ctx: T): Promise<unknown>;
  /** Waits for the object to go and returns what it left behind. */
  gone(ctx: T): Promise<string[]>;
}

/**
 * Round i: kill after converge point i, restart, audit; then kill after delete point i on the
 * same object, restart, audit. Pairing the phases halves the number of converges.
 */
export async function crashRounds<T>(
  t: { test: (name: string, fn: () => Promise<void>) => Promise<void> },
  kit: CrashKit,
  points: { converge: string[]; delete: string[] },
  life: Life<T>,
  results: CrashResult[],
): Promise<void> {
  const conv = points.converge.filter(only);
  const dels = points.delete.filter(only);
  for (let i = 0; i < Math.max(conv.length, dels.length); i++) {
    const [cp, dp] = [conv[i], dels[i]];
    await t.test(`${cp ?? '(no converge point)'} / ${dp ?? '(no delete point)'}`, async () => {
      const ctx = await life.fresh();
      await kit.current();
      if (cp) kit.arm(cp);
      await life.apply(ctx);
      if (cp) await kit.afterKill(cp);
      const c: CrashResult = { point: cp ?? '', phase: 'converge', duplicates: [], leaks: [] };
      if (cp) results.push(c);
      c.duplicates = await life.converged(ctx);
      if (dp) kit.arm(dp);
      await life.delete(ctx);
      if (dp) await kit.afterKill(dp);
      const d: CrashResult = { point: dp ?? '', phase: 'delete', duplicates: [], leaks: [] };
      if (dp) results.push(d);
      (dp ? d : c).leaks = await life.gone(ctx);
      assert.deepEqual(c.duplicates, [], `${cp}: duplicates`);
      assert.deepEqual([...c.leaks, ...d.leaks], [], `${cp} / ${dp}: leaks`);
    });
  }
}
