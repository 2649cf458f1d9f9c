// The AWS SDK packages, each loaded the first time something of it is used. Loaded at start they
// are ~70 MiB of the controller's RSS (client-ec2 alone ~63 MiB), which a controller that has no
// object needing that service never uses (docs/performance.md, Memory). Everywhere else in src/
// imports SDK packages with `import type` only (test/unit/aws-sdk-static-imports.test.ts checks it)
// and reaches commands, paginators and clients through these: `new ec2Sdk.DescribeVpcsCommand(…)`.
//
// Loaded with a synchronous `require`, not `import()`: a client is built synchronously
// (`AwsClients.ec2(t)` hands out the client itself, and the SDK's paginators check
// `client instanceof EC2Client`, so a stand-in would not do). The packages are CommonJS without an
// `exports` map, so `require` and `import` reach the same module instance, the one a test that
// imports the package gets too (aws-sdk-static-imports.test.ts checks that as well).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Every SDK package the controller uses, by the name of its loader below. */
export const SDK_PACKAGES = {
  ec2Sdk: '@aws-sdk/client-ec2',
  route53Sdk: '@aws-sdk/client-route-53',
  rdsSdk: '@aws-sdk/client-rds',
  cloudwatchSdk: '@aws-sdk/client-cloudwatch',
  logsSdk: '@aws-sdk/client-cloudwatch-logs',
  globalAcceleratorSdk: '@aws-sdk/client-global-accelerator',
  stsSdk: '@aws-sdk/client-sts',
  dynamodbSdk: '@aws-sdk/client-dynamodb',
  credentialProvidersSdk: '@aws-sdk/credential-providers',
} as const;

/**
 * The package's exports, loaded on the first property read (not when this module loads). A
 * namespace rather than a function so that `new ec2Sdk.X(…)` reads as the import it replaces
 * (`new ec2Sdk().X(…)` would construct the wrong thing).
 */
function lazyPackage<M extends object>(id: string): M {
  let loaded: M | undefined;
  const load = (): M => {
    loaded ??= require(id) as M;
    return loaded;
  };
  return new Proxy({} as M, {
    get: (_target, key) => Reflect.get(load(), key),
    has: (_target, key) => Reflect.has(load(), key),
  });
}

export const ec2Sdk = lazyPackage<typeof import('@aws-sdk/client-ec2')>(SDK_PACKAGES.ec2Sdk);
export const route53Sdk = lazyPackage<typeof import('@aws-sdk/client-route-53')>(SDK_PACKAGES.route53Sdk);
export const rdsSdk = lazyPackage<typeof import('@aws-sdk/client-rds')>(SDK_PACKAGES.rdsSdk);
export const cloudwatchSdk = lazyPackage<typeof import('@aws-sdk/client-cloudwatch')>(SDK_PACKAGES.cloudwatchSdk);
export const logsSdk = lazyPackage<typeof import('@aws-sdk/client-cloudwatch-logs')>(SDK_PACKAGES.logsSdk);
export const globalAcceleratorSdk = lazyPackage<typeof import('@aws-sdk/client-global-accelerator')>(SDK_PACKAGES.globalAcceleratorSdk);
export const stsSdk = lazyPackage<typeof import('@aws-sdk/client-sts')>(SDK_PACKAGES.stsSdk);
export const dynamodbSdk = lazyPackage<typeof import('@aws-sdk/client-dynamodb')>(SDK_PACKAGES.dynamodbSdk);
export const credentialProvidersSdk = lazyPackage<typeof import('@aws-sdk/credential-providers')>(SDK_PACKAGES.credentialProvidersSdk);

/**
 * Loads `pkg` (one of the packages above) on the next turn of the event loop. For a caller that
 * knows it will need the package at a moment when a synchronous load would stop everything else:
 * client-ec2 takes ~130 ms of CPU to load, and the first fence of an outage would otherwise pay it
 * with every other failover waiting.
 */
export function loadSoon(pkg: object): void {
  setImmediate(() => {
    try {
      Reflect.has(pkg, 'default');
    } catch {
      // Not loadable now: the first use tries again, in a pass, where the error is reported.
    }
  });
}
