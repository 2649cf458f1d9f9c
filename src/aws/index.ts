// The base AWS API: clients, errors, tags, rate limits. Resource modules live in subfolders.
export type { AwsClients, AwsTarget, CallRecord, ErrorClass, ExternalResource, Observation, Owner } from './types.ts';
export {
  createAwsClients,
  accountKeyOf,
  shareCredentials,
  ROLE_SESSION_NAME,
  ROUTE53_SIGNING_REGION,
  type AwsClientsHandle,
  type AwsClientsOptions,
  type AwsCredentialIdentityProvider,
  type AwsCredentials,
} from './clients.ts';
export {
  AwsError,
  classifyError,
  errorCode,
  isAlreadyExists,
  isNotFound,
  isThrottling,
  toAwsError,
  callContextOf,
  type CallContext,
} from './errors.ts';
export { callMiddleware, callMiddlewarePlugin, operationName, CALL_MIDDLEWARE_NAME } from './middleware.ts';
export {
  RateLimiter,
  TokenBucket,
  LIMITS,
  bucketsForCall,
  familyOf,
  limitOf,
  recordChangeCost,
  type BucketCost,
  type BucketLimit,
  type RateLimiterOptions,
} from './ratelimit.ts';
export {
  TAG_KEYS,
  TAG_PREFIX,
  isOwnedBy,
  ownershipTags,
  tagFilters,
  tagsToMap,
  toCloudWatchTags,
  toEc2TagSpec,
  toLogsTags,
  toRdsTags,
  toRoute53Tags,
  type Tag,
  type TagsLike,
} from './tags.ts';
