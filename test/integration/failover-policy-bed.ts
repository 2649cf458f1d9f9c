// The set-up the FailoverPolicy test files share, registered as the calling file's hooks: one
// stack with a Kube and an Aws on it and the namespaces made; before each test no controller, no
// fault proxy, no policy left in the file's namespace and an empty moto; all stopped at the end.
import { after, before, beforeEach } from 'node:test';
import { type ControllerProcess, startController } from '../env/controller.ts';
import { FaultProxy } from '../env/fault-proxy.ts';
import { getStack, type Stack } from '../env/stack.ts';
import { DbPolicies } from './failover-policy-db-fixtures.ts';
import { Aws, clearPolicies } from './failover-policy-fixtures.ts';
import { Kube } from './helpers.ts';

export interface BedOptions {
  /** Namespaces made besides the file's own. */
  otherNamespaces?: string[];
  /** Start a controller before each test: straight to moto, or behind a fresh fault proxy. */
  eachTest?: 'controller' | 'controllerBehindProxy';
}

/**
 * Health is observed every second and judged over 10 s windows (moto keeps every datapoint, so
 * it can; AWS has one-minute data) so that tests of failover do not wait for minute boundaries.
 */
const CONTROLLER_ARGS = ['--health-observe-interval=1s', '--health-period=10s'];

export class PolicyBed {
  stack!: Stack;
  kube!: Kube;
  aws!: Aws;
  dbs!: DbPolicies;
  ctrl: ControllerProcess | undefined;
  proxy: FaultProxy | undefined;

  constructor(
    readonly ns: string,
    o: BedOptions = {},
  ) {
    before(async () => {
      this.stack = await getStack();
      this.kube = new Kube(this.stack.kc);
      this.aws = new Aws(this.stack.motoEndpoint);
      this.dbs = new DbPolicies(this.stack, this.kube, this.aws, ns);
      for (const n of [ns, ...(o.otherNamespaces ?? [])]) await this.kube.ensureNamespace(n);
    });
    after(async () => {
      await this.stopProcesses();
      this.aws.destroy();
      await this.stack.stop();
    });
    beforeEach(async () => {
      await this.stopProcesses();
      await clearPolicies(this.kube, ns);
      this.aws?.forgetHealth();
      await this.stack.resetMoto();
      if (o.eachTest) await this.start({ behindProxy: o.eachTest === 'controllerBehindProxy' });
    });
  }

  /** Starts a controller (replacing the handle of one that exited); behind the test's proxy if asked, made on first use. */
  async start(o: { behindProxy?: boolean } = {}): Promise<ControllerProcess> {
    let endpoint = this.stack.motoEndpoint;
    if (o.behindProxy) {
      if (!this.proxy) {
        this.proxy = new FaultProxy(this.stack.motoEndpoint);
        await this.proxy.start();
      }
      endpoint = this.proxy.endpoint;
    }
    this.ctrl = await startController({ kubeconfigPath: this.stack.kubeconfigPath, awsEndpoint: endpoint, args: CONTROLLER_ARGS });
    return this.ctrl;
  }

  /** A controller behind the proxy that is SIGKILLed right after AWS applied the first `operation` call. */
  async startKilledAfter(service: string, operation: string): Promise<{ first: ControllerProcess; proxy: FaultProxy }> {
    const first = await this.start({ behindProxy: true });
    const proxy = this.proxy!;
    proxy.add({ service, operation, kind: 'applyThenDrop', times: 1, hook: () => first.kill() });
    return { first, proxy };
  }

  private async stopProcesses(): Promise<void> {
    await this.ctrl?.stop();
    await this.proxy?.stop();
    this.ctrl = undefined;
    this.proxy = undefined;
  }
}
