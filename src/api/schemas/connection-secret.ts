// spec.database.connectionSecret (issue 17, application cutover): the Secret applications read
// the writer from, how its keys are named, and which workloads are rolled when it changes.
import { CONNECTION_SECRET_KEYS } from '../types.ts';
import { arr, DNS_SUBDOMAIN_PATTERN, mapOf, obj, type Schema, str } from './common.ts';

/** The most workloads one policy lists: each is a GET and maybe a PATCH per Secret change. */
export const MAX_RESTART_WORKLOADS = 20;
/** What Kubernetes accepts as a Secret data key (IsConfigMapKey): `.`, `..` excluded by CEL. */
const SECRET_KEY_PATTERN = '^[-._a-zA-Z0-9]+$';

const known = `[${CONNECTION_SECRET_KEYS.map((k) => `'${k}'`).join(', ')}]`;
/** CEL: the name key `k` (a CEL expression) is written under. */
const effective = (k: string): string => `(${k} in self ? self[${k}] : ${k})`;

const keys = (): Schema =>
  mapOf(
    `Renames of the keys the controller writes (${CONNECTION_SECRET_KEYS.join(', ')}), e.g. {host: DATABASE_HOST, port: DATABASE_PORT}, ` +
      'so a workload can take the whole Secret with envFrom. Keys not listed keep their names. Changing this rewrites the Secret ' +
      '(the old names go) and so rolls the restartWorkloads.',
    str('The key written instead: a valid Secret key (letters, digits, -, _ and .).', {
      minLength: 1,
      maxLength: 253,
      pattern: SECRET_KEY_PATTERN,
      'x-kubernetes-validations': [{ rule: "self != '.' && self != '..'", message: 'a Secret key may not be . or ..' }],
    }),
    {
      maxProperties: CONNECTION_SECRET_KEYS.length,
      'x-kubernetes-validations': [
        { rule: `self.all(k, k in ${known})`, message: `only the written keys can be renamed: ${CONNECTION_SECRET_KEYS.join(', ')}` },
        {
          rule: `${known}.all(a, ${known}.filter(b, ${effective('b')} == ${effective('a')}).size() == 1)`,
          message: 'two keys would be written under the same name: every key (renamed or not) needs a name of its own',
        },
      ],
    },
  );

const workloadRef = (): Schema =>
  obj(
    'A workload in the policy’s namespace whose pods read this Secret.',
    {
      kind: str('Deployment, StatefulSet or DaemonSet.', { enum: ['Deployment', 'StatefulSet', 'DaemonSet'] }),
      name: str('Its name.', { pattern: DNS_SUBDOMAIN_PATTERN, maxLength: 253 }),
    },
    { required: ['kind', 'name'] },
  );

const selector = (): Schema =>
  obj(
    'Deployments, StatefulSets and DaemonSets in the policy’s namespace whose labels match are rolled like restartWorkloads (a standard ' +
      'label selector). It must say something: an empty selector, which would match every workload of the namespace, is rejected.',
    {
      matchLabels: mapOf('Labels a workload must carry, with these values.', str('Label value.', { maxLength: 63 }), { maxProperties: 32 }),
      matchExpressions: arr(
        'Set-based requirements; all must hold.',
        obj(
          'One requirement on a label.',
          {
            key: str('Label key.', { minLength: 1, maxLength: 317 }),
            operator: str('In, NotIn, Exists or DoesNotExist.', { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] }),
            values: arr('Values for In and NotIn; empty for Exists and DoesNotExist.', str('A label value.', { maxLength: 63 }), { maxItems: 32 }),
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
        { maxItems: 16 },
      ),
    },
    {
      'x-kubernetes-validations': [
        {
          rule: '(has(self.matchLabels) && size(self.matchLabels) > 0) || (has(self.matchExpressions) && size(self.matchExpressions) > 0)',
          message: 'an empty selector would restart every workload in the namespace: give matchLabels or matchExpressions',
        },
      ],
    },
  );

/** spec.database.connectionSecret. */
export const connectionSecretSchema = (): Schema =>
  obj(
    "Secret in this policy's namespace that the controller writes with host, port, region, role and engine of the current writer " +
      '(annotations multiregion.dev/active-region and multiregion.dev/revision, which changes exactly when the data does, let apps that ' +
      'watch it react). Pods that read it through environment variables keep the old values until they restart: list them in ' +
      'restartWorkloads or restartSelector and the controller rolls them once per change, like kubectl rollout restart.',
    {
      name: str('Name of the Secret.', { pattern: DNS_SUBDOMAIN_PATTERN, maxLength: 253 }),
      keys: keys(),
      restartWorkloads: arr(
        'Workloads in this namespace rolled (a pod-template annotation, as kubectl rollout restart does) once after each change of the ' +
          "Secret's data. The controller needs patch on them (Helm value rbac.rolloutNamespaces); a missing one or a 403 is reported " +
          '(condition WorkloadsRestarted, an Event) and never holds up the failover.',
        workloadRef(),
        { maxItems: MAX_RESTART_WORKLOADS, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['kind', 'name'] },
      ),
      restartSelector: selector(),
    },
    { required: ['name'] },
  );

/** status.database.rollout. */
export const rolloutStatusSchema = (): Schema =>
  obj(
    "The last rollout of the workloads after a change of the connection Secret's data.",
    {
      revision: str('The Secret revision (annotation multiregion.dev/revision) the workloads were rolled for.'),
      restarted: arr('Workloads that carry this revision in their pod template, e.g. Deployment/api.', str('Kind/name.'), { maxItems: 256 }),
      failed: arr('Workloads not rolled yet, with why (missing, forbidden); retried.', str('Kind/name: reason.'), { maxItems: 256 }),
      at: str('When the rollout was last worked on.', { format: 'date-time' }),
    },
    { required: ['revision'] },
  );
