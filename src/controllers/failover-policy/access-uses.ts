// The AWS resources a FailoverPolicy names, for the AccessPolicy check (shared/access.ts): the
// hosted zone and record name, both database instances and their roles, and the alarm topic.
// The referenced RegionPair's own roles are the pair's business (its namespace's policy, and
// its allowedNamespaces for who may reference it).
import type { FailoverPolicy } from '../../api/types.ts';
import type { ResourceUse } from '../shared/access.ts';

export function failoverPolicyUses(p: FailoverPolicy): ResourceUse[] {
  const uses: ResourceUse[] = [];
  const dns = p.spec.dns;
  if (dns) uses.push({ field: 'spec.dns.hostedZoneId', type: 'hostedZone', zoneId: dns.hostedZoneId, recordName: dns.recordName });
  const db = p.spec.database;
  if (db) {
    for (const role of ['primary', 'replica'] as const) {
      const inst = db[role];
      uses.push({ field: `spec.database.${role}.instanceIdentifier`, type: 'dbInstance', region: inst.region, identifier: inst.instanceIdentifier });
      if (inst.roleArn) uses.push({ field: `spec.database.${role}.roleArn`, type: 'roleArn', arn: inst.roleArn });
    }
  }
  const topic = p.spec.alarms?.snsTopicArn;
  if (topic) uses.push({ field: 'spec.alarms.snsTopicArn', type: 'snsTopic', arn: topic });
  return uses;
}
