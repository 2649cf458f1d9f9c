// One moto per test file, registered as the calling file's hooks: started before the first test,
// emptied before each, stopped at the end; SDK clients made for a test are destroyed after it.
import { after, afterEach, before, beforeEach } from 'node:test';
import { type Moto, startMoto } from '../env/moto.ts';

export class MotoBed {
  private moto: Moto | undefined;
  private readonly clients: Array<{ destroy(): void }> = [];

  constructor() {
    before(async () => {
      this.moto = await startMoto();
    });
    beforeEach(() => this.moto!.reset());
    afterEach(() => {
      for (const c of this.clients.splice(0)) c.destroy();
    });
    after(() => this.moto?.stop());
  }

  get endpoint(): string {
    return this.moto!.endpoint;
  }

  /** Hands `client` back, to be destroyed after the current test. */
  perTest<C extends { destroy(): void }>(client: C): C {
    this.clients.push(client);
    return client;
  }
}
