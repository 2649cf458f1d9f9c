// Exit codes of `multiregion`, as docs/cli.md lists them: 0 done, 1 the operation failed or is
// blocked, 2 a bad command line. Every other error exits with 1.

/** Bad command line: the CLI prints the message and exits with 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
