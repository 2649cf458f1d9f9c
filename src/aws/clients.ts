// SDK clients per (service, region, role), built once and reused. Every client gets the same
// endpoint override, retry policy, timeouts, credentials source, call middleware and the abort
// signal of the reconcile it is called from; nothing else in the controller constructs an SDK
// client.

import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { GlobalAcceleratorClient } from '@aws-sdk/client-global-accelerator';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { STSClient } from '@aws-sdk/client-sts';
import type { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { currentAbortSignal, joinSignals, outsideAbortScope } from './abort-scope.ts';
import { GA_API_REGION } from './global-accelerator/api-region.ts';
import { callMiddlewarePlugin } from './middleware.ts';
import { RateLimiter } from './ratelimit.ts';
import { cloudwatchSdk, credentialProvidersSdk, dynamodbSdk, ec2Sdk, globalAcceleratorSdk, logsSdk, rdsSdk, route53Sdk, stsSdk } from './sdk.ts';
import type { AwsClients, AwsTarget, CallRecord } from './types.ts';

export type AwsCredentials = Awaited<ReturnType<ReturnType<typeof fromNodeProviderChain>>>;
export type AwsCredentialIdentityProvider = () => Promise<AwsCredentials>;

export interface AwsClientsOptions {
  /** `--aws-endpoint-url` / AWS_ENDPOINT_URL: every client and the role-assuming STS client use it. */
  endpointUrl?: string;
  onCall?: (rec: CallRecord) => void;
  /** SDK attempts per call, retries included (default 3). */
  maxAttempts?: number;
  limiter?: RateLimiter;
  /** Credentials of the controller itself; default: the SDK's node provider chain. */
  baseCredentials?: AwsCredentialIdentityProvider;
  /** `--aws-connect-timeout`: how long a TCP/TLS connection may take (default 3 s). */
  connectTimeoutMs?: number;
  /** `--aws-request-timeout`: how long one attempt waits for an answer (default 10 s). */
  requestTimeoutMs?: number;
}

export interface AwsClientsHandle extends AwsClients {
  /** DynamoDB, for the fleet lease only (main.ts wires it; no controller uses it). */
  dynamodb(t: AwsTarget): DynamoDBClient;
  /** Closes the sockets of every client built so far (shutdown, end of tests). */
  destroy(): void;
}

export const ROLE_SESSION_NAME = 'multiregion-controller';
/** Route 53 is global; AWS signs its calls for us-east-1. */
export const ROUTE53_SIGNING_REGION = 'us-east-1';
const DEFAULT_STS_REGION = 'us-east-1';
/** Fetch new role credentials this long before the old ones expire. */
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

type ServiceName = 'ec2' | 'route53' | 'rds' | 'cloudwatch' | 'logs' | 'sts' | 'globalaccelerator' | 'dynamodb';
interface ClientByService {
  ec2: EC2Client;
  route53: Route53Client;
  rds: RDSClient;
  cloudwatch: CloudWatchClient;
  logs: CloudWatchLogsClient;
  sts: STSClient;
  globalaccelerator: GlobalAcceleratorClient;
  dynamodb: DynamoDBClient;
}

/** NodeHttpHandler options, in the shorthand every client config accepts. */
interface RequestHandlerOptions {
  connectionTimeout: number;
  requestTimeout: number;
  /** Without it the SDK only logs a warning when requestTimeout passes, and keeps waiting. */
  throwOnRequestTimeout: true;
  socketTimeout: number;
}

interface CommonConfig {
  region: string;
  endpoint?: string;
  credentials: AwsCredentialIdentityProvider;
  maxAttempts: number;
  retryMode: string;
  requestHandler: RequestHandlerOptions;
}

// Each service's package is loaded by its first client (src/aws/sdk.ts), not at start.
const FACTORIES: { [S in ServiceName]: (c: CommonConfig) => ClientByService[S] } = {
  ec2: (c) => new ec2Sdk.EC2Client(c),
  route53: (c) => new route53Sdk.Route53Client(c),
  rds: (c) => new rdsSdk.RDSClient(c),
  cloudwatch: (c) => new cloudwatchSdk.CloudWatchClient(c),
  logs: (c) => new logsSdk.CloudWatchLogsClient(c),
  sts: (c) => new stsSdk.STSClient(c),
  globalaccelerator: (c) => new globalAcceleratorSdk.GlobalAcceleratorClient(c),
  dynamodb: (c) => new dynamodbSdk.DynamoDBClient(c),
};

/**
 * Whose API quota a target spends. A role ARN names its account, so two roles in one account
 * share buckets; the controller's own credentials are `default` (their account is not known
 * without a call).
 */
export function accountKeyOf(t: Pick<AwsTarget, 'roleArn'>): string {
  if (!t.roleArn) return 'default';
  return /^arn:[^:]+:iam::(\d{12}):/.exec(t.roleArn)?.[1] ?? t.roleArn;
}

function targetKey(service: string, region: string, t: AwsTarget): string {
  return [service, region, t.roleArn ?? '', t.externalId ?? ''].join('|');
}

/**
 * One credentials fetch shared by every client of a role, refreshed shortly before expiry;
 * a failed fetch is forgotten so the next call tries again. The fetch serves every reconcile,
 * so it runs outside the abort scope of the one that happened to start it.
 */
export function shareCredentials(fetch: AwsCredentialIdentityProvider, now = Date.now): AwsCredentialIdentityProvider {
  let current: Promise<AwsCredentials> | undefined;
  let refreshAt = Number.POSITIVE_INFINITY;
  return () => {
    if (!current || now() >= refreshAt) {
      const p = outsideAbortScope(fetch);
      current = p;
      refreshAt = Number.POSITIVE_INFINITY;
      p.then(
        (c) => {
          if (current === p && c.expiration) refreshAt = c.expiration.getTime() - REFRESH_BEFORE_EXPIRY_MS;
        },
        () => {
          if (current === p) current = undefined;
        },
      );
    }
    return current;
  };
}

/**
 * The SDK's default credentials chain, built when credentials are first needed: building it
 * loads @aws-sdk/credential-providers, which a controller that never calls AWS does not need.
 */
function nodeProviderChainOnFirstUse(): AwsCredentialIdentityProvider {
  let chain: AwsCredentialIdentityProvider | undefined;
  return () => {
    chain ??= credentialProvidersSdk.fromNodeProviderChain();
    return chain();
  };
}

type Send = (command: unknown, optionsOrCb?: unknown, cb?: unknown) => unknown;

/**
 * Makes `send` carry the abort signal of the reconcile it is called from, so that cancelling
 * the reconcile aborts its calls in flight and the SDK's retry waits; a signal the caller gives
 * explicitly still applies, and either one aborts the call.
 */
export function bindAbortScope<C extends { send: unknown }>(client: C): C {
  const send = (client.send as Send).bind(client);
  const scoped: Send = (command, optionsOrCb, cb) => {
    const callback = typeof optionsOrCb === 'function' ? optionsOrCb : cb;
    const options = typeof optionsOrCb === 'object' && optionsOrCb !== null ? (optionsOrCb as { abortSignal?: AbortSignal }) : undefined;
    const abortSignal = joinSignals(options?.abortSignal, currentAbortSignal());
    const withSignal = abortSignal ? { ...options, abortSignal } : options;
    return callback === undefined ? send(command, withSignal) : send(command, withSignal ?? {}, callback);
  };
  (client as { send: unknown }).send = scoped;
  return client;
}

export function createAwsClients(opts: AwsClientsOptions = {}): AwsClientsHandle {
  const limiter = opts.limiter ?? new RateLimiter();
  const maxAttempts = opts.maxAttempts ?? 3;
  // Standard, not adaptive: the limiter above already slows per account and family on throttling;
  // adaptive mode would add a second, per-client slowdown on top.
  const retryMode = 'standard';
  const requestTimeout = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const requestHandler: RequestHandlerOptions = {
    connectionTimeout: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    requestTimeout,
    throwOnRequestTimeout: true,
    // requestTimeout stops counting once the response headers are in; a body that stalls
    // after them would otherwise hold the call until the SDK's 15 min socket default.
    socketTimeout: requestTimeout,
  };
  const base = opts.baseCredentials ?? shareCredentials(nodeProviderChainOnFirstUse());
  const endpoint = opts.endpointUrl ? { endpoint: opts.endpointUrl } : {};
  const clients = new Map<string, ClientByService[ServiceName]>();
  const roleCredentials = new Map<string, AwsCredentialIdentityProvider>();
  const accountIds = new Map<string, Promise<string>>();
  const onCallOpt = opts.onCall ? { onCall: opts.onCall } : {};

  const credentialsFor = (region: string, t: AwsTarget): AwsCredentialIdentityProvider => {
    if (!t.roleArn) return base;
    const key = targetKey('role', region, t);
    let provider = roleCredentials.get(key);
    if (!provider) {
      const assume = credentialProvidersSdk.fromTemporaryCredentials({
        masterCredentials: base,
        params: {
          RoleArn: t.roleArn,
          RoleSessionName: ROLE_SESSION_NAME,
          ...(t.externalId ? { ExternalId: t.externalId } : {}),
        },
        clientConfig: { region, maxAttempts, retryMode, requestHandler, ...endpoint },
        // AssumeRole spends the quota of the controller's own account.
        clientPlugins: [callMiddlewarePlugin({ service: 'sts', region, accountKey: 'default', limiter, ...onCallOpt })],
      });
      provider = shareCredentials(() => assume());
      roleCredentials.set(key, provider);
    }
    return provider;
  };

  const get = <S extends ServiceName>(service: S, t: AwsTarget): ClientByService[S] => {
    const region = service === 'route53' ? ROUTE53_SIGNING_REGION : service === 'globalaccelerator' ? GA_API_REGION : t.region;
    if (!region) throw new Error(`AWS ${service} client needs a region`);
    const key = targetKey(service, region, t);
    const cached = clients.get(key);
    if (cached) return cached as ClientByService[S];
    const client = FACTORIES[service]({
      region,
      credentials: credentialsFor(region, t),
      maxAttempts,
      retryMode,
      requestHandler,
      ...endpoint,
    });
    const plugin = callMiddlewarePlugin({ service, region, accountKey: accountKeyOf(t), limiter, ...onCallOpt });
    plugin.applyToStack(client.middlewareStack);
    clients.set(key, bindAbortScope(client));
    return client;
  };

  return {
    ec2: (t) => get('ec2', t),
    route53: (t) => get('route53', t),
    rds: (t) => get('rds', t),
    cloudwatch: (t) => get('cloudwatch', t),
    logs: (t) => get('logs', t),
    sts: (t) => get('sts', t),
    dynamodb: (t) => get('dynamodb', t),
    globalAccelerator: (t) => get('globalaccelerator', { ...t, region: GA_API_REGION }),
    accountId(t) {
      // The account does not depend on the region: one lookup per identity.
      const key = targetKey('account', '', t);
      let id = accountIds.get(key);
      if (!id) {
        const sts = get('sts', { ...t, region: t.region || DEFAULT_STS_REGION });
        // Cached for every reconcile: not cancelled with the one that asked first.
        id = outsideAbortScope(() => sts.send(new stsSdk.GetCallerIdentityCommand({}))).then((r) => {
          if (!r.Account) throw new Error('STS GetCallerIdentity returned no account');
          return r.Account;
        });
        accountIds.set(key, id);
        id.catch(() => accountIds.delete(key));
      }
      return id;
    },
    destroy() {
      for (const c of clients.values()) c.destroy();
      clients.clear();
    },
  };
}
