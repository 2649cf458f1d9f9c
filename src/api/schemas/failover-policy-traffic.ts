// CEL rules on what carries a FailoverPolicy's traffic (issue 18): Route 53 records (spec.dns),
// a Global Accelerator (spec.globalAccelerator), or both, at least one. The parts that only exist
// with records (a Dns drill's shadow records, the latency alarm on the Route 53 check) need dns.
import type { CelRule } from './common.ts';

export const trafficRules = (): CelRule[] => [
  {
    rule: 'has(self.dns) || has(self.globalAccelerator)',
    message: 'set spec.dns, spec.globalAccelerator or both: something must carry the traffic',
    reason: 'FieldValueRequired',
  },
  {
    // Transition rule (updates only): without spec.dns the controller cannot find the records and
    // checks it wrote, so they would be orphaned. Adding dns later is fine.
    rule: '!has(oldSelf.dns) || has(self.dns)',
    message:
      'spec.dns cannot be removed: the records and health checks it created would be left ' +
      'behind; delete this FailoverPolicy (which removes them) and create one without dns',
    fieldPath: '.dns',
    reason: 'FieldValueForbidden',
  },
  {
    rule: "has(self.dns) || !has(self.drill) || !has(self.drill.schedule) || (has(self.drill.type) && self.drill.type != 'Dns')",
    message: 'a Dns drill (the default drill.type) switches shadow records and needs spec.dns; without it use drill.type Switchover',
    fieldPath: '.drill.type',
  },
  {
    rule: 'has(self.dns) || !has(self.alarms) || !has(self.alarms.latencyMillis)',
    message: "alarms.latencyMillis reads the Route 53 health check's TimeToFirstByte and needs spec.dns (Global Accelerator publishes no latency metric)",
    fieldPath: '.alarms.latencyMillis',
  },
];
