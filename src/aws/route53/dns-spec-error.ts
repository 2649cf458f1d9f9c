// A FailoverPolicy DNS spec that no retry can fix: the controller reports it on the condition
// (Terminal) with the field to change, instead of calling AWS.
export class DnsSpecError extends Error {
  readonly class = 'Terminal' as const;

  constructor(
    /** Path of the offending field, e.g. `spec.dns.primary.healthCheck.port`. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'DnsSpecError';
  }
}
