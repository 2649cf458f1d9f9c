// Security: the distinctive AWS secret key and session token given to every controller of this
// suite, and the apiservers' admin bearer tokens, never appear in any controller log; /metrics
// and the health endpoints show no ARN, token or secret.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { type ControllerProcess, startController } from '../env/controller.ts';
import { getStack, type Stack } from '../env/stack.ts';
import { Kube, uniqueName } from '../integration/helpers.ts';
import { CANARY, keepLogs, logDir, pairObj, pairSpec, record, seedBoth } from './harness.ts';

const NS = 'rel-sec';
let stack: Stack;
let kube: Kube;
let ctrl: ControllerProcess | undefined;
let leaked = 0;

const adminToken = (kubeconfigPath: string): string =>
  (parse(readFileSync(kubeconfigPath, 'utf8')) as { users: Array<{ user: { token?: string } }> }).users[0]?.user.token ?? '';

before(async () => {
  stack = await getStack();
  kube = new Kube(stack.kc);
  await kube.ensureNamespace(NS);
  await stack.resetMoto();
});
after(async () => {
  record({ file: 'security', secretsLeaked: leaked });
  await kube.purge('RegionPair', NS);
  await ctrl?.stop();
  await stack.stop();
});

describe('security', () => {
  test('the endpoints of a controller that converged a pair with a role ARN show no ARN, token or secret', async () => {
    const [east, west] = await seedBoth(stack.motoEndpoint);
    ctrl = await startController({
      kubeconfigPath: stack.kubeconfigPath,
      awsEndpoint: stack.motoEndpoint,
      args: ['--leader-elect=false'],
      env: { AWS_SECRET_ACCESS_KEY: CANARY.secretKey, AWS_SESSION_TOKEN: CANARY.sessionToken },
    });
    // The canary must really be in the controller's environment, or the scan proves nothing.
    const environ = readFileSync(`/proc/${ctrl.proc.pid}/environ`, 'utf8');
    assert.ok(environ.includes(`AWS_SECRET_ACCESS_KEY=${CANARY.secretKey}`), 'canary secret key not injected');
    const name = uniqueName('sec');
    await kube.apply(pairObj(NS, name, pairSpec(east, west)));
    await kube.waitCondition('RegionPair', NS, name, 'Ready', 'True', undefined, 90_000);
    const pages: Record<string, string> = {};
    for (const url of [ctrl.metricsUrl, `${ctrl.healthUrl}/healthz`, `${ctrl.healthUrl}/readyz`, `${ctrl.healthUrl}/readyz?verbose`]) {
      pages[url] = await (await fetch(url)).text();
    }
    assert.match(pages[ctrl.metricsUrl]!, /regionpair|reconcile/i, 'metrics page is the real one');
    const forbidden = [
      /arn:aws[a-z-]*:/i,
      new RegExp(CANARY.secretKey),
      new RegExp(CANARY.sessionToken),
      new RegExp(adminToken(stack.kubeconfigPath)),
      /AKIA[0-9A-Z]{16}/,
    ];
    const hits = Object.entries(pages).flatMap(([url, text]) => forbidden.filter((re) => re.test(text)).map((re) => `${url}: ${re}`));
    leaked += hits.length;
    assert.deepEqual(hits, []);
    await kube.delete('RegionPair', NS, name);
    await kube.waitGone('RegionPair', NS, name, 90_000);
    keepLogs('security', ctrl.logs());
  });

  test('no controller log of the suite holds the canary secrets or an admin bearer token', () => {
    const secrets = [CANARY.secretKey, CANARY.sessionToken, adminToken(stack.kubeconfigPath)];
    const extra = join(logDir, 'secrets.txt');
    if (existsSync(extra)) secrets.push(...readFileSync(extra, 'utf8').split('\n').filter(Boolean));
    const files = readdirSync(logDir).filter((f) => f.endsWith('.log'));
    assert.ok(files.length >= 1, 'no controller logs to scan');
    const hits: string[] = [];
    let bytes = 0;
    for (const f of files) {
      const text = readFileSync(join(logDir, f), 'utf8');
      bytes += text.length;
      for (const s of secrets) if (s.length >= 16 && text.includes(s)) hits.push(`${f}: ${s.slice(0, 6)}…`);
    }
    console.log(`# secret scan: ${files.length} controller logs, ${(bytes / 1e6).toFixed(1)} MB, ${secrets.length} secret values`);
    leaked += hits.length;
    assert.deepEqual(hits, [], 'secrets found in logs');
  });
});
