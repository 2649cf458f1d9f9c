// AccessPolicy: the cluster admin's fence around tenants (see types.ts AccessPolicySpec and
// docs/tenancy.md). Cluster-scoped and read-only for the controller: it has no status.
import { arr, DNS_LABEL_PATTERN, HOSTED_ZONE_ID_PATTERN, mapOf, obj, region, type Schema, str } from './common.ts';

const GLOB_NOTE = ' `*` matches any run of characters and `?` one character.';
const MAX_ITEMS = 256;

/** A list of ids, ARNs or names where each entry may be a glob. */
const globList = (description: string, item: string, pattern: string, maxLength: number): Schema =>
  arr(description + GLOB_NOTE, str(item, { pattern, maxLength, minLength: 1 }), { maxItems: MAX_ITEMS, 'x-kubernetes-list-type': 'set' });

// What the globbed entries may contain: the characters of the ids/ARNs they match, plus * and ?.
const ARN_GLOB = '^[A-Za-z0-9*?:/+=,.@_-]+$';
const ID_GLOB = '^[a-z0-9*?-]+$';

const labelSelector = (): Schema =>
  obj('Namespaces whose labels match (a standard Kubernetes label selector). An empty selector ({}) matches every namespace.', {
    matchLabels: mapOf('Labels a namespace must carry, with these values.', str('Label value.', { maxLength: 63 }), { maxProperties: 64 }),
    matchExpressions: arr(
      'Set-based requirements; all must hold.',
      obj(
        'One requirement on a label.',
        {
          key: str('Label key.', { maxLength: 317 }),
          operator: str('In, NotIn, Exists or DoesNotExist.', { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] }),
          values: arr('Values for In and NotIn; empty for Exists and DoesNotExist.', str('A label value.', { maxLength: 63 }), { maxItems: 64 }),
        },
        {
          required: ['key', 'operator'],
          'x-kubernetes-validations': [
            {
              rule: "(self.operator in ['In', 'NotIn']) == (has(self.values) && size(self.values) > 0)",
              message: 'In and NotIn need values; Exists and DoesNotExist take none',
            },
          ],
        },
      ),
      { maxItems: 32 },
    ),
  });

export const accessPolicySpecSchema = (): Schema =>
  obj(
    'Which namespaces (by name and/or label selector) may use which AWS resources. A namespace may use a resource when ' +
      'any AccessPolicy that covers the namespace lists it; lists are unions, never restrictions. Enforced when the ' +
      'controller runs with --require-access-policy (the Helm chart and the kustomize base turn it on): an object whose ' +
      'namespace no policy covers, or that names a resource no covering policy lists, gets Synced=False with reason ' +
      'AccessDenied naming the field, and no AWS call is made for it. Changing a policy never deletes anything in AWS.',
    {
      namespaces: arr('Namespaces this policy covers, by name.', str('A namespace name.', { pattern: DNS_LABEL_PATTERN, maxLength: 63 }), {
        maxItems: MAX_ITEMS,
        'x-kubernetes-list-type': 'set',
      }),
      namespaceSelector: labelSelector(),
      accounts: arr(
        'AWS accounts (12 digits) the covered namespaces may act in: any role ARN in a listed account is allowed in spec roleArn fields.',
        str('A 12-digit AWS account id.', { pattern: String.raw`^\d{12}$`, maxLength: 12 }),
        { maxItems: MAX_ITEMS, 'x-kubernetes-list-type': 'set' },
      ),
      roleArns: globList(
        'IAM role ARNs the covered namespaces may name (roleArn of a RegionPair side or a database, a flow-log delivery role).',
        'A role ARN or a glob of them, e.g. arn:aws:iam::111111111111:role/multiregion-apps-*.',
        ARN_GLOB,
        2048,
      ),
      hostedZones: arr(
        'Route 53 hosted zones the covered namespaces may write failover records in.',
        obj(
          'One hosted zone, and the record names allowed in it.',
          {
            id: str('Hosted zone id, without the /hostedzone/ prefix.', { pattern: HOSTED_ZONE_ID_PATTERN, maxLength: 32 }),
            recordSuffixes: arr(
              'Record names allowed: a name equal to a suffix or ending in "." + suffix ' +
                '(case-insensitive, trailing dot ignored). Absent: any name in the zone.',
              str('A DNS suffix such as apps.example.com.', { maxLength: 255, minLength: 1 }),
              { maxItems: 64, 'x-kubernetes-list-type': 'set' },
            ),
          },
          { required: ['id'] },
        ),
        { maxItems: MAX_ITEMS, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['id'] },
      ),
      dbInstances: arr(
        'RDS DB instance identifiers the covered namespaces may name as a database primary or replica, per region.',
        obj(
          'Identifiers allowed in one region.',
          {
            region: region('Region of the instances.'),
            identifiers: globList('Instance identifiers (lowercase, as RDS stores them).', 'An identifier or a glob, e.g. orders-*.', '^[a-z0-9*?-]+$', 63),
          },
          { required: ['region', 'identifiers'] },
        ),
        { maxItems: 64, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['region'] },
      ),
      transitGateways: globList('Transit Gateway ids a RegionPair in the covered namespaces may adopt.', 'A tgw- id or a glob.', ID_GLOB, 64),
      vpcs: globList('VPC ids a RegionPair in the covered namespaces may attach (and whose route tables it may program).', 'A vpc- id or a glob.', ID_GLOB, 64),
      transitGatewayAttachments: globList(
        'Transit Gateway attachment ids a ClientConnection in the covered namespaces may route to (its spec.attachment.id). ' +
          'Added to the API contract because a client route sends traffic to whatever attachment it names.',
        'A tgw-attach- id or a glob.',
        ID_GLOB,
        64,
      ),
      snsTopicArns: globList('SNS topic ARNs the covered namespaces may point alarms at.', 'A topic ARN or a glob.', ARN_GLOB, 512),
    },
    {
      'x-kubernetes-validations': [
        {
          rule: '(has(self.namespaces) && size(self.namespaces) > 0) || has(self.namespaceSelector)',
          message: 'set namespaces, namespaceSelector or both: a policy must say which namespaces it covers',
        },
      ],
    },
  );

export const accessPolicySchema = (): Schema =>
  obj(
    'AccessPolicy (cluster-scoped, owned by the cluster admin): which namespaces may use which AWS accounts, roles, hosted zones, ' +
      'RDS instances, Transit Gateways, VPCs, attachments and SNS topics. See docs/tenancy.md.',
    {
      apiVersion: str('Versioned schema of this object: multiregion.dev/v1alpha1.'),
      kind: str('Kind of this object.'),
      // The apiserver owns metadata's schema and refuses anything but the type here.
      metadata: { type: 'object' } as Schema,
      spec: accessPolicySpecSchema(),
    },
    { required: ['spec'] },
  );
