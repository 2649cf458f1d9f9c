// Client-side token buckets per (account, Region for regional services, API family), sized from AWS's published limits, so
// the controller stays under them instead of learning them from throttling errors. A bucket
// that gets throttled anyway halves its rate and climbs back slowly (AIMD).

export interface BucketLimit {
  ratePerSec: number;
  burst: number;
}

/** Route 53 allows this per account in total, and again per action. */
const ROUTE53_ACCOUNT: BucketLimit = { ratePerSec: 10, burst: 50 };
const FALLBACK: BucketLimit = { ratePerSec: 5, burst: 10 };

export const LIMITS: Readonly<Record<string, BucketLimit>> = {
  sts: { ratePerSec: 50, burst: 50 },
  // EC2 request-token buckets: non-mutating 100 burst / 20 per s, mutating 200 / 5 per s.
  'ec2:describe': { ratePerSec: 20, burst: 100 },
  'ec2:mutate': { ratePerSec: 5, burst: 200 },
  // RDS API request throttling (RDS user guide): per account and region, a burst of 300 and
  // 12 per second sustained (the key is per account and Region: limiterKey).
  rds: { ratePerSec: 12, burst: 300 },
  route53: ROUTE53_ACCOUNT,
  // Route 53's published per-action bucket (developer guide, "Throttling for Amazon Route 53 API
  // requests"): CreateHealthCheck has a capacity of 50, refilled at 0.5 per second.
  'route53:CreateHealthCheck': { ratePerSec: 0.5, burst: 50 },
  'route53:GetHealthCheckStatus': { ratePerSec: 1, burst: 1 },
  // Record changes, not calls: 1,500 burst / 100 per s, UPSERT counting twice.
  'route53:records': { ratePerSec: 100, burst: 1500 },
  cloudwatch: { ratePerSec: 10, burst: 10 },
  'cloudwatch:PutMetricAlarm': { ratePerSec: 3, burst: 3 },
  'cloudwatch:DeleteAlarms': { ratePerSec: 3, burst: 3 },
  'cloudwatch:SetAlarmState': { ratePerSec: 3, burst: 3 },
  'cloudwatch:DescribeAlarms': { ratePerSec: 9, burst: 9 },
  'cloudwatch:PutDashboard': { ratePerSec: 10, burst: 10 },
  'cloudwatch:GetMetricData': { ratePerSec: 50, burst: 50 },
  'cloudwatch:PutMetricData': { ratePerSec: 150, burst: 150 },
  logs: { ratePerSec: 5, burst: 5 },
  // The fleet lease only: about one conditional write per retry period (DynamoDB limits capacity per table, not calls).
  dynamodb: { ratePerSec: 10, burst: 10 },
  'logs:DescribeLogGroups': { ratePerSec: 10, burst: 10 },
  // Global Accelerator publishes no API request rate ("Quotas for AWS Global Accelerator" in its
  // developer guide lists resource quotas only): a conservative bucket, per account, since the
  // whole API lives in one Region (us-west-2).
  globalaccelerator: { ratePerSec: 5, burst: 10 },
};

const READ_ONLY = /^(Describe|Get|List|Search)/;

/** The bucket an operation draws from, e.g. `ec2:describe` or `route53:ChangeResourceRecordSets`. */
export function familyOf(service: string, operation: string): string {
  switch (service) {
    case 'ec2':
      return READ_ONLY.test(operation) ? 'ec2:describe' : 'ec2:mutate';
    case 'route53':
      return `route53:${operation}`;
    case 'cloudwatch':
    case 'logs':
      return `${service}:${operation}` in LIMITS ? `${service}:${operation}` : service;
    default:
      return service;
  }
}

/** A bucket name an operator may set: a published one, or any Route 53 action's own bucket. */
export function isRateFamily(family: string): boolean {
  return family in LIMITS || /^route53:[A-Z][A-Za-z0-9]+$/.test(family);
}

export function limitOf(family: string, overrides: Readonly<Record<string, BucketLimit>> = {}): BucketLimit {
  const exact = overrides[family] ?? LIMITS[family];
  if (exact) return exact;
  if (family.startsWith('route53:')) return ROUTE53_ACCOUNT;
  const service = family.split(':')[0] ?? family;
  return overrides[service] ?? LIMITS[service] ?? FALLBACK;
}

export interface BucketCost {
  family: string;
  cost: number;
}

/** Route 53 record changes in one ChangeResourceRecordSets; an UPSERT counts twice. */
export function recordChangeCost(input: unknown): number {
  const changes = (input as { ChangeBatch?: { Changes?: { Action?: string }[] } } | undefined)?.ChangeBatch?.Changes;
  if (!Array.isArray(changes) || changes.length === 0) return 1;
  return changes.reduce((n, c) => n + (c.Action === 'UPSERT' ? 2 : 1), 0);
}

/** Services whose quotas AWS counts per account across all Regions; every other one counts per account and Region. */
const GLOBAL_SERVICES = new Set(['route53', 'sts', 'globalaccelerator']);

/**
 * The key of a call's buckets: EC2, RDS, CloudWatch and Logs publish their request rates per
 * account **and Region**, so two Regions never share a bucket (a failover that works both
 * Regions at once gets both Regions' rates); Route 53 (global), STS and Global Accelerator (whose
 * API lives in one Region) count per account.
 */
export function limiterKey(service: string, accountKey: string, region: string): string {
  return GLOBAL_SERVICES.has(service) ? accountKey : `${accountKey} ${region}`;
}

/** Every bucket one call must draw from: Route 53 calls pay per action and per account. */
export function bucketsForCall(service: string, operation: string, input?: unknown): BucketCost[] {
  const buckets = [{ family: familyOf(service, operation), cost: 1 }];
  if (service === 'route53') {
    buckets.push({ family: 'route53', cost: 1 });
    if (operation === 'ChangeResourceRecordSets') {
      buckets.push({ family: 'route53:records', cost: recordChangeCost(input) });
    }
  }
  return buckets;
}

/** After a throttle: keep the halved rate this long, then climb back by this share of the limit per second. */
const HOLD_MS = 10_000;
const RECOVER_SHARE_PER_SEC = 0.05;
/** Throttles arriving together (one per in-flight call) count as one signal. */
const CUT_COOLDOWN_MS = 1_000;
const MIN_SHARE = 1 / 32;

/** One token bucket; pure arithmetic over the times it is given. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private cutAt = Number.NEGATIVE_INFINITY;
  private cutRate: number;

  constructor(
    readonly limit: BucketLimit,
    now: number,
  ) {
    this.tokens = limit.burst;
    this.updatedAt = now;
    this.cutRate = limit.ratePerSec;
  }

  /** The rate in force at `now`: the full limit, or a cut rate recovering linearly after the hold. */
  rateAt(now: number): number {
    const base = this.limit.ratePerSec;
    if (this.cutRate >= base) return base;
    const climbingFor = Math.max(0, now - this.cutAt - HOLD_MS) / 1000;
    return Math.min(base, this.cutRate + base * RECOVER_SHARE_PER_SEC * climbingFor);
  }

  tokensAt(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  /**
   * Takes `cost` tokens, going into debt when there are not enough; returns how many ms the
   * caller must wait before its call. Debt makes later callers wait behind earlier ones (FIFO).
   */
  reserve(cost: number, now: number): number {
    this.refill(now);
    this.tokens -= Math.min(cost, this.limit.burst);
    if (this.tokens >= 0) return 0;
    return Math.ceil((-this.tokens / this.rateAt(now)) * 1000);
  }

  /** AWS throttled us: halve the rate (once per cooldown) and drop the saved burst. */
  slowDown(now: number): void {
    this.refill(now);
    this.tokens = Math.min(this.tokens, 0);
    if (now - this.cutAt < CUT_COOLDOWN_MS) return;
    const floor = this.limit.ratePerSec * MIN_SHARE;
    this.cutRate = Math.max(floor, this.rateAt(now) / 2);
    this.cutAt = now;
  }

  private refill(now: number): void {
    if (now <= this.updatedAt) return;
    // The rate at the start of the interval is the lower one while recovering: stay conservative.
    const earned = (this.rateAt(this.updatedAt) * (now - this.updatedAt)) / 1000;
    this.tokens = Math.min(this.limit.burst, this.tokens + earned);
    this.updatedAt = now;
  }
}

export interface RateLimiterOptions {
  now?: () => number;
  /** Replace published limits by family (tests, or accounts with raised quotas). */
  limits?: Record<string, BucketLimit>;
}

/** Token buckets keyed by (account key, family). Waiting never keeps the process alive. */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly now: () => number;
  private readonly overrides: Record<string, BucketLimit>;

  constructor(opts: RateLimiterOptions = {}) {
    this.now = opts.now ?? (() => performance.now());
    this.overrides = opts.limits ?? {};
  }

  /** Resolves when `cost` tokens of the bucket are the caller's. */
  take(key: string, family: string, cost = 1): Promise<void> {
    const waitMs = this.bucket(key, family).reserve(cost, this.now());
    if (waitMs <= 0) return Promise.resolve();
    return new Promise((resolve) => setTimeout(resolve, waitMs).unref());
  }

  /** Reserves in every bucket at once and waits for the slowest. */
  async takeAll(key: string, buckets: readonly BucketCost[]): Promise<void> {
    await Promise.all(buckets.map((b) => this.take(key, b.family, b.cost)));
  }

  slowDown(key: string, family: string): void {
    this.bucket(key, family).slowDown(this.now());
  }

  /** Current rate of a bucket (for logs and tests). */
  rateOf(key: string, family: string): number {
    return this.bucket(key, family).rateAt(this.now());
  }

  private bucket(key: string, family: string): TokenBucket {
    const id = `${key}\u0000${family}`;
    let b = this.buckets.get(id);
    if (!b) {
      b = new TokenBucket(limitOf(family, this.overrides), this.now());
      this.buckets.set(id, b);
    }
    return b;
  }
}
