// Command line of `multiregion`: a subcommand, its positionals, and kubectl-like flags.
import { parseArgs } from 'node:util';
import { ANNOTATIONS, KINDS } from '../api/types.ts';
import { UsageError } from './errors.ts';

export const USAGE = `multiregion — look at and operate multiregion-controller objects

Usage:
  multiregion status [-A | -n NS]                   pairs and policies at a glance
  multiregion plan KIND NAME -n NS [--keep]         what the controller would change in AWS (dry run)
  multiregion drill NAME -n NS                      run a FailoverPolicy drill now and follow it
  multiregion failover NAME -n NS --to REGION [--yes]  switch a FailoverPolicy's active region
  multiregion failover NAME -n NS --accept-data-loss [--to REGION] [--yes]
                                                    break-glass: let one blocked failover promote (RPO unknown or fence unconfirmed)
  multiregion timeline NAME -n NS [failover|drill] [-o text|svg]
                                                    draw the last failover or drill from status: health, steps, RTO, RPO
  multiregion iam-policy --cluster-id ID --account ACCT [...]  the controller's least-privilege IAM policy (offline; iam-policy --help)
  multiregion version [-o json]                     the CLI's version (offline)

Flags:
  --kubeconfig PATH   default: $KUBECONFIG, then ~/.kube/config
  -n, --namespace NS  default: the current context's namespace
  -A, --all-namespaces
  -o, --output FORMAT status, plan: table (default), wide (status: more columns), json or yaml;
                      timeline: text (default) or svg
  --context NAME      the kubeconfig context to use (default: its current context)
  --timeout DURATION  how long plan/drill/failover wait (e.g. 90s, 10m; defaults 2m/15m/15m)
  --keep              plan: leave the dry-run annotation on
  --to REGION         failover: the region to make active
  --accept-data-loss  failover: set ${ANNOTATIONS.acceptDataLoss} to a new value; the controller uses it
                      once, for a failover blocked because the RPO is unknown or the fence is unconfirmed
  -y, --yes           failover: do not ask for confirmation
  -h, --help

Exit codes: 0 done; 1 the operation failed or is blocked (a drill whose result is not
Succeeded, a failover the controller holds, a timeout, an API error); 2 a bad command line.
KIND: ${KINDS.map((k) => `${k.kind} (${k.shortNames.join(', ')})`).join(', ')}.
`;

export const OUTPUTS = ['table', 'wide', 'json', 'yaml'] as const;
/** `timeline` draws rather than lists: formats of its own. */
export const TIMELINE_OUTPUTS = ['text', 'svg'] as const;
export type Output = (typeof OUTPUTS)[number] | (typeof TIMELINE_OUTPUTS)[number];

export interface CliArgs {
  command: string;
  positionals: string[];
  kubeconfig?: string;
  context?: string;
  output: Output;
  namespace?: string;
  allNamespaces: boolean;
  timeoutMs?: number;
  keep: boolean;
  to?: string;
  acceptDataLoss: boolean;
  yes: boolean;
  help: boolean;
}

/** "90s", "10m", "1h", "500ms" or bare seconds → milliseconds. */
export function parseTimeout(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new UsageError(`--timeout: invalid duration "${s}" (use e.g. 90s or 10m)`);
  return Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's']!);
}

const FLAGS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  output: { type: 'string', short: 'o' },
  namespace: { type: 'string', short: 'n' },
  'all-namespaces': { type: 'boolean', short: 'A' },
  timeout: { type: 'string' },
  keep: { type: 'boolean' },
  to: { type: 'string' },
  'accept-data-loss': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseFlags(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: true, strict: true, options: FLAGS });
}

function parseOutput(s: string | undefined, command: string): Output {
  const allowed: readonly Output[] = command === 'timeline' ? TIMELINE_OUTPUTS : OUTPUTS;
  if (s === undefined) return allowed[0]!;
  if (!(allowed as readonly string[]).includes(s))
    throw new UsageError(`--output: "${s}" is not one of ${allowed.join(', ')}${command === 'timeline' ? ' for timeline' : ''}`);
  return s as Output;
}

export function parseCli(argv: string[]): CliArgs {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  const [command = '', ...rest] = positionals;
  return {
    command,
    positionals: rest,
    ...(values.kubeconfig !== undefined && { kubeconfig: values.kubeconfig }),
    ...(values.context !== undefined && { context: values.context }),
    output: parseOutput(values.output, command),
    ...(values.namespace !== undefined && { namespace: values.namespace }),
    allNamespaces: values['all-namespaces'] ?? false,
    ...(values.timeout !== undefined && { timeoutMs: parseTimeout(values.timeout) }),
    keep: values.keep ?? false,
    ...(values.to !== undefined && { to: values.to }),
    acceptDataLoss: values['accept-data-loss'] ?? false,
    yes: values.yes ?? false,
    help: values.help ?? false,
  };
}
