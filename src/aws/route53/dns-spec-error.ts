// A FailoverPolicy DNS spec that no retry can fix: the controller reports it on the condition
// (Terminal) with the field to change, instead of calling AWS. An AwsError of class Terminal,
// so classifyError() and toAwsError() treat it like any other terminal failure.
import { AwsError } from '../errors.ts';

export class DnsSpecError extends AwsError {
  constructor(
    /** Path of the offending field, e.g. `spec.dns.primary.healthCheck.port`. */
    readonly field: string,
    message: string,
  ) {
    super({ class: 'Terminal', code: 'InvalidDnsSpec', message, service: 'route53', operation: 'validate', subject: field });
    this.name = 'DnsSpecError';
    // The user reads this on the condition: the field and what to do, without our call prefix.
    this.message = `${field}: ${message}`;
  }
}
