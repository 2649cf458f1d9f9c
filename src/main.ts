// Wiring: flags/env → runtime + aws + controllers. Nothing else lives here.
import { KubeConfig } from '@kubernetes/client-node';
import { COMMAND_ANNOTATIONS } from './api/types.ts';
import { createAwsClients } from './aws/clients.ts';
import { RateLimiter } from './aws/ratelimit.ts';
import { registerControllers } from './controllers/index.ts';
import { type Flags, parseFlags, USAGE } from './flags.ts';
import { EventRecorder } from './runtime/events.ts';
import { startHttpServers } from './runtime/http.ts';
import { createLogger, type LogLevel } from './runtime/logger.ts';
import { Manager } from './runtime/manager.ts';
import { Metrics } from './runtime/metrics.ts';
import { StatusWriter } from './runtime/status.ts';

function loadKubeConfig(flags: Flags): KubeConfig {
  const kc = new KubeConfig();
  if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
  else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

async function main(): Promise<void> {
  let flags: Flags;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (flags.help) {
    process.stdout.write(USAGE);
    return;
  }
  const logger = createLogger({ level: flags.logLevel as LogLevel });
  const metrics = new Metrics();
  const kc = loadKubeConfig(flags);
  const aws = createAwsClients({
    endpointUrl: flags.awsEndpointUrl,
    maxAttempts: flags.awsMaxAttempts,
    connectTimeoutMs: flags.awsConnectTimeoutMs,
    requestTimeoutMs: flags.awsRequestTimeoutMs,
    limiter: new RateLimiter({ limits: flags.awsRateLimits }),
    onCall: (rec) => {
      metrics.recordAwsCall(rec);
      logger.debug('aws call', rec);
    },
  });
  const manager = new Manager({
    kc,
    logger,
    metrics,
    leaderElection: { enabled: flags.leaderElect, namespace: flags.leaderElectionNamespace, name: flags.leaderElectionId },
    driftIntervalMs: flags.driftIntervalMs,
    concurrency: flags.concurrency,
    queueBackoff: { baseMs: 500, maxMs: 300_000 },
    commandAnnotations: COMMAND_ANNOTATIONS,
    ...(flags.watchNamespace && { namespace: flags.watchNamespace }),
  });
  const deps = {
    kc,
    aws,
    clusterId: flags.clusterId,
    requireAccessPolicy: flags.requireAccessPolicy,
    logger,
    metrics,
    manager,
    events: new EventRecorder({ kc, logger }),
    status: new StatusWriter(kc),
  };
  const stopExtras = registerControllers(deps, flags);
  const http = await startHttpServers({
    metricsAddress: flags.metricsBindAddress,
    healthAddress: flags.healthProbeBindAddress,
    registry: metrics.registry,
    isReady: () => manager.hasSynced(),
    healthProblems: () => manager.stalledInformers().map((k) => `informer ${k} stalled`),
    logger,
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    await stopExtras();
    await manager.stop();
    await http.close();
    aws.destroy();
    logger.info('stopped');
    // winston flushes asynchronously; give it a tick before exiting.
    setTimeout(() => process.exit(0), 50);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection', { error: String(reason) }));

  logger.info('starting', { clusterId: flags.clusterId, leaderElect: flags.leaderElect, awsEndpoint: flags.awsEndpointUrl ? 'override' : 'default' });
  await manager.start();
}

await main();
