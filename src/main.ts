// Wiring: flags/env → runtime + aws + controllers. Nothing else lives here.
import { KubeConfig } from '@kubernetes/client-node';
import { COMMAND_ANNOTATIONS } from './api/types.ts';
import { type AwsClientsHandle, createAwsClients } from './aws/clients.ts';
import { LeaseTable } from './aws/dynamodb/lease-table.ts';
import { RateLimiter } from './aws/ratelimit.ts';
import { registerControllers } from './controllers/index.ts';
import { type Flags, parseFlags, USAGE } from './flags.ts';
import { EventRecorder } from './runtime/events.ts';
import { FleetLease } from './runtime/fleet-lease.ts';
import { startHttpServers } from './runtime/http.ts';
import { defaultIdentity } from './runtime/leader.ts';
import { createLogger, type Logger, type LogLevel } from './runtime/logger.ts';
import { Manager } from './runtime/manager.ts';
import { Metrics } from './runtime/metrics.ts';
import { StatusWriter } from './runtime/status.ts';
import { buildVersion } from './version.ts';

/**
 * One controller per regional cluster, one acting (docs/multi-cluster.md): the fleet lease is an
 * item of a DynamoDB table, held by whichever replica leads this cluster. Its holder names this
 * member and the replica's own identity (unique per process: a restarted member waits out its old
 * lease like anyone else).
 */
function fleetLease(flags: Flags, aws: AwsClientsHandle, logger: Logger, metrics: Metrics, identity: string): FleetLease | undefined {
  const c = flags.coordination;
  if (!c) return undefined;
  const table = new LeaseTable(() => aws.dynamodb({ region: c.region }), c.table, `fleet/${flags.fleetId}`);
  return new FleetLease({
    store: table,
    identity: `${flags.memberId}/${identity}`,
    logger: logger.child({ component: 'fleet-lease' }),
    leaseDurationMs: c.leaseDurationMs,
    renewDeadlineMs: c.renewDeadlineMs,
    retryPeriodMs: c.retryPeriodMs,
    registry: metrics.registry,
  });
}

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
  if (flags.version) {
    process.stdout.write(`multiregion-controller ${buildVersion()}\n`);
    return;
  }
  const logger = createLogger({ level: flags.logLevel as LogLevel });
  const metrics = new Metrics({ buildInfo: { version: buildVersion(), node_version: process.version } });
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
  // The chart gives POD_NAME (downward API): the Lease then names the pod that leads, even with hostNetwork or a set hostname.
  const identity = defaultIdentity(process.env.POD_NAME || undefined);
  const fleet = fleetLease(flags, aws, logger, metrics, identity);
  const manager = new Manager({
    kc,
    logger,
    metrics,
    leaderElection: {
      enabled: flags.leaderElect,
      namespace: flags.leaderElectionNamespace,
      name: flags.leaderElectionId,
      identity,
    },
    driftIntervalMs: flags.driftIntervalMs,
    concurrency: flags.concurrency,
    queueBackoff: { baseMs: 500, maxMs: 300_000 },
    commandAnnotations: COMMAND_ANNOTATIONS,
    ...(flags.watchNamespace && { namespace: flags.watchNamespace }),
    ...(fleet && { fleet }),
  });
  const deps = {
    kc,
    aws,
    // Ownership tags name the fleet: a member that takes over finds what another created.
    clusterId: flags.fleetId,
    sharedByFleet: flags.coordination !== undefined,
    requireAccessPolicy: flags.requireAccessPolicy,
    logger,
    metrics,
    manager,
    // Events wait while keys wait for a worker: a wave of failovers writes its steps first.
    events: new EventRecorder({ kc, logger, deferWhile: () => manager.backlog() > 0 }),
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

  logger.info('starting', {
    version: buildVersion(),
    clusterId: flags.clusterId,
    ...(flags.coordination && { fleetId: flags.fleetId, memberId: flags.memberId, coordinationTable: flags.coordination.table }),
    leaderElect: flags.leaderElect,
    awsEndpoint: flags.awsEndpointUrl ? 'override' : 'default',
  });
  await manager.start();
}

await main();
