// The set-up the ClientConnection test files share, registered as the calling file's hooks: one
// stack with a Kube on it and the fixtures' namespaces made; moto emptied before each test; the
// test's world (controller, proxy, pair, clients) torn down after it; the stack stopped at the end.
import { after, afterEach, before, beforeEach } from 'node:test';
import { getStack, type Stack } from '../env/stack.ts';
import { CLIENT_NS, OTHER_NS, PAIR_NS, setUpWorld, tearDown, type World } from './client-connection-fixtures.ts';
import { Kube } from './helpers.ts';

export class ClientBed {
  stack!: Stack;
  kube!: Kube;
  /** The current test's world, once `world()` made it. */
  w: World | undefined;

  /** `beforeTearDown` sees the world while its controller still runs (e.g. to keep its logs). */
  constructor(o: { beforeTearDown?: (w: World) => void } = {}) {
    before(async () => {
      this.stack = await getStack();
      this.kube = new Kube(this.stack.kc);
      for (const ns of [PAIR_NS, CLIENT_NS, OTHER_NS]) await this.kube.ensureNamespace(ns);
    });
    beforeEach(() => this.stack.resetMoto());
    afterEach(async () => {
      if (this.w) o.beforeTearDown?.(this.w);
      await tearDown(this.kube, this.w);
      this.w = undefined;
    });
    after(() => this.stack.stop());
  }

  /** A Ready pair named `pairName` with its controller behind a proxy (see setUpWorld). */
  async world(pairName: string, args: string[] = []): Promise<World> {
    this.w = await setUpWorld(this.stack, this.kube, pairName, args);
    return this.w;
  }
}
