// Shared set-up for the Global Accelerator tests: SDK clients against moto (whose Global
// Accelerator comes from test/env/moto_ga.py) and its two test hooks — the deployment delay, set
// through moto's own state manager, and endpoint health.
import { GlobalAcceleratorClient } from '@aws-sdk/client-global-accelerator';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { Owner } from '../../src/aws/types.ts';

export const GA_REGION = 'us-west-2';
export const DEFAULT_ACCOUNT = '123456789012';
export const SECOND_ROLE = 'arn:aws:iam::222222222222:role/x';
/** The model name moto_ga.py registers with moto's state manager. */
export const GA_MODEL = 'globalaccelerator::accelerator';

const staticCredentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** No retries: moto answers some bad calls with HTML 500s, and a test must see the first answer. */
export function gaClient(endpoint: string, opts: { region?: string; roleArn?: string } = {}): GlobalAcceleratorClient {
  const region = opts.region ?? GA_REGION;
  const credentials = opts.roleArn
    ? fromTemporaryCredentials({
        params: { RoleArn: opts.roleArn, RoleSessionName: 'ga-tests' },
        masterCredentials: staticCredentials,
        clientConfig: { region, endpoint, maxAttempts: 1 },
      })
    : staticCredentials;
  return new GlobalAcceleratorClient({ region, endpoint, maxAttempts: 1, credentials });
}

async function post(endpoint: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${endpoint}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Accelerators become DEPLOYED this long after their last change (moto_ga.py's default is 1 s; a reset restores it). */
export async function setDeployDelay(endpoint: string, seconds: number): Promise<void> {
  const r = await post(endpoint, '/moto-api/state-manager/set-transition', { model_name: GA_MODEL, transition: { progression: 'time', seconds } });
  if (!r.ok) throw new Error(`set-transition: HTTP ${r.status}`);
}

export async function markEndpointHealth(endpoint: string, endpointId: string, healthState: string, extra: Record<string, string> = {}): Promise<Response> {
  return post(endpoint, '/moto-api/ga/endpoint-health', { EndpointId: endpointId, HealthState: healthState, ...extra });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function gaOwner(overrides: Partial<Owner> = {}): Owner {
  return {
    clusterId: 'test-cluster',
    kind: 'FailoverPolicy',
    namespace: 'apps',
    name: 'orders',
    uid: 'uid-orders-1',
    userTags: { team: 'payments' },
    ...overrides,
  };
}

/** Load balancer ARNs in the form the endpoint groups check (Region and type). */
export const nlbArn = (region: string, name = 'orders') =>
  `arn:aws:elasticloadbalancing:${region}:${DEFAULT_ACCOUNT}:loadbalancer/net/${name}/0123456789abcdef`;
export const albArn = (region: string, name = 'orders') =>
  `arn:aws:elasticloadbalancing:${region}:${DEFAULT_ACCOUNT}:loadbalancer/app/${name}/0123456789abcdef`;
