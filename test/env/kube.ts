// Starts etcd + kube-apiserver (built from Go modules by build-k8s.sh) on loopback, like
// controller-runtime's envtest: temp dirs, free ports, RBAC on, an admin token, a kubeconfig.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from './ports.ts';

export interface Kube {
  server: string;
  kubeconfigPath: string;
  token: string;
  dir: string;
  stop(): Promise<void>;
  /** Stops only the apiserver (etcd keeps the data) and starts it again on the same port. */
  restartApiserver(downMs?: number): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Path of the directory holding kube-apiserver and etcd, building them on first use. */
export function k8sBinDir(): string {
  const out = execFileSync('bash', [join(here, 'build-k8s.sh')], { stdio: ['ignore', 'pipe', 'inherit'] });
  return out.toString().trim().split('\n').pop()!;
}

function startProcess(bin: string, args: string[], logPath: string): ChildProcess {
  const fd = openSync(logPath, 'a');
  return spawn(bin, args, { stdio: ['ignore', fd, fd] });
}

async function stopProcess(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const done = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
  await done;
  clearTimeout(t);
}

export async function startKube(opts: { dir?: string } = {}): Promise<Kube> {
  const binDir = k8sBinDir();
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'mrc-kube-'));
  mkdirSync(dir, { recursive: true });
  const [etcdPort, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const token = randomBytes(24).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin,"system:masters"\n`, { mode: 0o600 });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
  writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));

  const etcd = startProcess(
    join(binDir, 'etcd'),
    [
      '--name=test',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=test=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ],
    join(dir, 'etcd.log'),
  );
  await waitFor('etcd', async () => (await fetch(`http://127.0.0.1:${etcdPort}/health`)).ok, 30_000);

  const apiArgs = [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    `--cert-dir=${join(dir, 'certs')}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--authorization-mode=RBAC',
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    `--service-account-key-file=${join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    '--allow-privileged=true',
    '--disable-admission-plugins=ServiceAccount',
    '--v=0',
  ];
  const apiLog = join(dir, 'kube-apiserver.log');
  let api = startProcess(join(binDir, 'kube-apiserver'), apiArgs, apiLog);
  const server = `https://127.0.0.1:${apiPort}`;
  const waitReady = () =>
    waitFor(
      'kube-apiserver /readyz',
      async () => {
        if (api.exitCode !== null) throw new Error(`kube-apiserver exited; see ${apiLog}:\n${readFileSync(apiLog, 'utf8').slice(-2000)}`);
        return (await insecureGet(`${server}/readyz`, token)) === 200;
      },
      120_000,
      300,
    );
  await waitReady();

  const kubeconfigPath = join(dir, 'kubeconfig');
  const ca = readFileSync(join(dir, 'certs', 'apiserver.crt')).toString('base64');
  writeFileSync(
    kubeconfigPath,
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: local',
      'clusters:',
      '- name: local',
      '  cluster:',
      `    server: ${server}`,
      `    certificate-authority-data: ${ca}`,
      'users:',
      '- name: admin',
      '  user:',
      `    token: ${token}`,
      'contexts:',
      '- name: local',
      '  context: {cluster: local, user: admin, namespace: default}',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  return {
    server,
    kubeconfigPath,
    token,
    dir,
    async restartApiserver(downMs = 0) {
      await stopProcess(api);
      if (downMs) await sleep(downMs);
      api = startProcess(join(binDir, 'kube-apiserver'), apiArgs, apiLog);
      await waitReady();
    },
    async stop() {
      await stopProcess(api);
      await stopProcess(etcd);
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** GET with the apiserver's self-signed cert not yet known (only used to wait for readiness). */
async function insecureGet(url: string, token: string): Promise<number> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = https.get(url, { rejectUnauthorized: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
  });
}
