// Starts one kube-apiserver + etcd + moto for a whole test run, installs the CRDs, runs the
// command after `--` with the stack in its environment, then stops everything it started.
import { spawn } from 'node:child_process';
import { ENV, getStack } from './stack.ts';

const sep = process.argv.indexOf('--');
const cmd = sep >= 0 ? process.argv.slice(sep + 1) : [];
if (cmd.length === 0) {
  console.error('usage: with-stack.ts -- <command> [args...]');
  process.exit(2);
}

const started = Date.now();
const stack = await getStack();
console.log(`test stack up in ${((Date.now() - started) / 1000).toFixed(1)} s: apiserver ${stack.server}, moto ${stack.motoEndpoint}`);

const child = spawn(cmd[0]!, cmd.slice(1), {
  stdio: 'inherit',
  env: { ...process.env, [ENV.kubeconfig]: stack.kubeconfigPath, [ENV.server]: stack.server, [ENV.moto]: stack.motoEndpoint },
});
const forward = (sig: NodeJS.Signals) => child.kill(sig);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
const code: number = await new Promise((r) => child.on('exit', (c, s) => r(c ?? (s ? 1 : 0))));
await stack.stop();
process.exit(code);
