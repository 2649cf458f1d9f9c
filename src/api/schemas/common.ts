// Building blocks of the three CRD schemas: the OpenAPI v3 subset Kubernetes accepts for
// structural schemas, helpers that keep a description on every node, and the shared fields.
// Every string that a CEL rule reads has a maxLength and every list a maxItems, because the
// apiserver estimates a rule's cost from those bounds and rejects CRDs over its budget.
import { DEFAULTS } from '../defaults.ts';

export interface CelRule {
  rule: string;
  message: string;
  /** Where the error is reported, relative to the node holding the rule (e.g. `.secondary.region`). */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export interface Schema {
  description: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema;
  items?: Schema;
  enum?: Array<string | number>;
  default?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: CelRule[];
}

type More = Omit<Schema, 'description' | 'type'>;

export const str = (description: string, more: More = {}): Schema => ({ description, type: 'string', ...more });
export const int = (description: string, more: More = {}): Schema => ({ description, type: 'integer', ...more });
export const num = (description: string, more: More = {}): Schema => ({ description, type: 'number', ...more });
export const bool = (description: string, more: More = {}): Schema => ({ description, type: 'boolean', ...more });
export const obj = (description: string, properties: Record<string, Schema>, more: More = {}): Schema => ({
  description,
  type: 'object',
  properties,
  ...more,
});
export const arr = (description: string, items: Schema, more: More = {}): Schema => ({ description, type: 'array', items, ...more });
export const mapOf = (description: string, values: Schema, more: More = {}): Schema => ({
  description,
  type: 'object',
  additionalProperties: values,
  ...more,
});

// ------------------------------------------------------------- identifiers
export const REGION_PATTERN = String.raw`^[a-z]{2}(-gov)?-[a-z]+-\d$`;
const PARTITION = '(-cn|-us-gov)?';
export const ROLE_ARN_PATTERN = String.raw`^arn:aws${PARTITION}:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`;
export const SNS_ARN_PATTERN = String.raw`^arn:aws${PARTITION}:sns:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$`;
/** Bare Route 53 id (no `/hostedzone/` prefix); AWS ids start with Z, emulators' need not. */
export const HOSTED_ZONE_ID_PATTERN = '^[A-Z0-9]{1,32}$';
export const awsIdPattern = (prefix: string): string => `^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`;
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const DNS_SUBDOMAIN_PATTERN = String.raw`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`;
/** A DNS name as Route 53 takes it: labels of letters, digits, `-`, `_`, optional leading `*.` and trailing dot. */
export const HOSTNAME_PATTERN = String.raw`^(\*\.)?([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$`;

export const region = (description: string, more: More = {}): Schema =>
  str(`${description} An AWS region code such as us-east-1 or us-gov-west-1.`, { pattern: REGION_PATTERN, maxLength: 32, ...more });

export const awsId = (prefix: string, description: string): Schema =>
  str(`${description} Format: ${prefix}- followed by 8 or 17 hex digits.`, { pattern: awsIdPattern(prefix), maxLength: prefix.length + 18 });

export const roleArn = (description: string): Schema =>
  str(`${description} An IAM role ARN, arn:aws:iam::<12-digit account>:role/<name>.`, { pattern: ROLE_ARN_PATTERN, maxLength: 2048 });

export const snsTopicArn = (): Schema =>
  str(
    'SNS topic that alarms notify on ALARM and OK. Without it the alarms still exist and show on dashboards, ' +
      'but nobody is paged. Format: arn:aws:sns:<region>:<account>:<topic>.',
    { pattern: SNS_ARN_PATTERN, maxLength: 512 },
  );

export const hostname = (description: string, more: More = {}): Schema => str(description, { pattern: HOSTNAME_PATTERN, maxLength: 255, ...more });

/** One CIDR. Canonical form is required because AWS route APIs reject host bits, and overlap checks compare network addresses. */
export const cidr = (description: string): Schema =>
  str(description, {
    maxLength: 43,
    'x-kubernetes-validations': [
      { rule: 'isCIDR(self)', message: 'must be a CIDR block such as 10.0.0.0/16 or 2001:db8::/56' },
      {
        rule: '!isCIDR(self) || cidr(self) == cidr(self).masked()',
        message: 'must be the network address of the block (host bits zero), e.g. 10.0.0.0/16 rather than 10.0.0.1/16',
      },
    ],
  });

export const MAX_CIDRS = 32;
export const cidrList = (description: string, itemDescription: string): Schema =>
  arr(description, cidr(itemDescription), { minItems: 1, maxItems: MAX_CIDRS, 'x-kubernetes-list-type': 'set' });

/** CEL: true when CIDR strings `a` and `b` share an address (one block contains the other's network address). */
export const celOverlap = (a: string, b: string): string =>
  `isCIDR(${a}) && isCIDR(${b}) && (cidr(${a}).containsIP(cidr(${b}).ip()) || cidr(${b}).containsIP(cidr(${a}).ip()))`;

// ------------------------------------------------------------- shared fields
export const deletionPolicy = (): Schema =>
  str(
    'What happens in AWS when this object is deleted. Delete (default): remove what this object created, ' +
      'never what it adopted by ID. Orphan: leave everything in AWS (use it to hand resources over, or before ' +
      'deleting the controller). A finalizer holds the object until the cleanup is done.',
    { enum: ['Delete', 'Orphan'], default: DEFAULTS.deletionPolicy },
  );

export const tags = (): Schema =>
  mapOf(
    'Extra AWS tags for every resource this object creates, on top of the controller-owned multiregion.dev/* tags ' +
      '(cluster, owner, kind, uid) that prove ownership; the aws: and multiregion.dev/ prefixes are therefore reserved. ' +
      'At most 40, leaving room under the AWS limit of 50 tags per resource.',
    str('Tag value (up to 256 characters).', { maxLength: 256 }),
    {
      maxProperties: 40,
      'x-kubernetes-validations': [
        {
          rule: "self.all(k, size(k) >= 1 && size(k) <= 128 && !k.startsWith('aws:') && !k.startsWith('multiregion.dev/'))",
          message: 'tag keys must be 1-128 characters and must not start with aws: or multiregion.dev/ (reserved for AWS and the controller)',
        },
      ],
    },
  );

export const regionPairRef = (description: string): Schema =>
  obj(
    description,
    {
      name: str('Name of the RegionPair.', { pattern: DNS_SUBDOMAIN_PATTERN, maxLength: 253 }),
      namespace: str(
        "Namespace of the RegionPair; defaults to this object's namespace. A pair in another namespace must list " +
          "this object's namespace in spec.allowedNamespaces, otherwise nothing is done and Synced=False with reason RefNotPermitted.",
        { pattern: DNS_LABEL_PATTERN, maxLength: 63 },
      ),
    },
    { required: ['name'] },
  );

// ------------------------------------------------------------- status
const condition = (): Schema =>
  obj(
    'One observation of the state of the object, in the standard Kubernetes condition shape (metav1.Condition).',
    {
      type: str('Condition type in CamelCase: Ready, Synced, or a kind-specific one.', {
        maxLength: 316,
        pattern: String.raw`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$`,
      }),
      status: str('True, False or Unknown.', { enum: ['True', 'False', 'Unknown'] }),
      observedGeneration: int('metadata.generation of the spec this condition was computed from; older than the current generation means stale.', {
        format: 'int64',
        minimum: 0,
      }),
      lastTransitionTime: str('When status last changed (not when the condition was last checked).', { format: 'date-time' }),
      reason: str('Stable CamelCase machine-readable cause, for alerting and automation.', {
        minLength: 1,
        maxLength: 1024,
        pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
      }),
      message: str('Human-readable details; when something is wrong it says what to do.', { maxLength: 32768 }),
    },
    { required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] },
  );

const plannedChange = (): Schema =>
  obj(
    'One AWS change the controller would make.',
    {
      action: str('Kind of change.', { enum: ['Create', 'Update', 'Delete', 'Accept', 'Associate', 'Disassociate', 'Promote', 'Put'] }),
      resource: str('The AWS resource, e.g. TransitGatewayRoute 10.1.0.0/16 or HealthCheck orders-primary.'),
      region: str('Region the change happens in (absent for global services such as Route 53).'),
      detail: str('What exactly would change.'),
    },
    { required: ['action', 'resource'] },
  );

/** Status fields every kind has; `extra` are the kind's own. */
export function statusSchema(description: string, extra: Record<string, Schema>): Schema {
  return obj(description, {
    observedGeneration: int('metadata.generation of the spec last reconciled to completion.', { format: 'int64', minimum: 0 }),
    conditions: arr(
      'Current state as conditions: Ready (everything converged), Synced (the last reconcile reached AWS without error), plus kind-specific ones.',
      condition(),
      { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
    ),
    plannedChanges: arr(
      'With the annotation multiregion.dev/dry-run: "true", the changes the controller would make; it mutates nothing in AWS while the annotation is set.',
      plannedChange(),
      { 'x-kubernetes-list-type': 'atomic' },
    ),
    ...extra,
  });
}

export const routeStatus = (): Schema =>
  obj(
    'One static Transit Gateway route the controller programmed.',
    {
      region: str('Region of the route table.'),
      routeTableId: str('Transit Gateway route table holding the route.'),
      destinationCidr: str('Destination CIDR block.'),
      target: str('Attachment the route sends traffic to (peering or client attachment id).'),
      state: str(
        "Route state: as AWS reports it (active, blackhole, pending, deleted), or the controller's own: planned (dry-run), conflict (a " +
          'route to another target holds the CIDR; never overwritten), preexisting (there before this object; recorded, never removed).',
      ),
    },
    { required: ['region', 'destinationCidr', 'target', 'state'] },
  );

/** The fields every Kubernetes object has; the apiserver validates them itself. `kindAnnotations` describes the annotations only this kind reads. */
export function rootSchema(description: string, spec: Schema, status: Schema, kindAnnotations?: string): Schema {
  const annotations =
    ' Annotations the controller reads: multiregion.dev/reconcile-now (any new value forces a reconcile and drift check), ' +
    'multiregion.dev/paused: "true" (no AWS calls at all), multiregion.dev/dry-run: "true" (write status.plannedChanges, change nothing)' +
    (kindAnnotations ? `, ${kindAnnotations}` : '.');
  return obj(
    description + annotations,
    {
      apiVersion: str('Versioned schema of this object: multiregion.dev/v1alpha1.'),
      kind: str('Kind of this object.'),
      // The apiserver owns metadata's schema and refuses anything but the type here.
      metadata: { type: 'object' } as Schema,
      spec,
      status,
    },
    { required: ['spec'] },
  );
}
