#!/usr/bin/env node
// `multiregion`: the operator's command line for multiregion-controller objects. It only
// talks to the apiserver; every AWS change is still made by the controller.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type CliArgs, parseCli, USAGE } from './args.ts';
import { CliClient, contextNamespace, loadKubeConfig } from './client.ts';
import { drillCommand } from './commands/drill.ts';
import { failoverCommand } from './commands/failover.ts';
import { iamPolicyCommand } from './commands/iam-policy.ts';
import { planCommand } from './commands/plan.ts';
import { statusCommand } from './commands/status.ts';
import { parseSubject, TIMELINE_USAGE, timelineCommand } from './commands/timeline.ts';
import { versionCommand } from './commands/version.ts';
import { UsageError } from './errors.ts';
import { resolveKind } from './kinds.ts';

const MINUTE = 60_000;

function need(args: CliArgs, count: number, usage: string): string[] {
  if (args.positionals.length !== count) throw new UsageError(`usage: multiregion ${usage}`);
  return args.positionals;
}

export async function run(argv: string[], log: (s: string) => void = (s) => process.stderr.write(`${s}\n`)): Promise<string> {
  // Offline, with flags of its own: no kubeconfig is read.
  if (argv[0] === 'iam-policy') return iamPolicyCommand(argv.slice(1), log);
  if (argv[0] === 'version' || argv[0] === '--version') return versionCommand(argv.slice(1));
  const args = parseCli(argv);
  if (args.help || args.command === '' || args.command === 'help') return USAGE;
  const kc = loadKubeConfig(args.kubeconfig, args.context);
  const client = new CliClient(kc);
  const namespace = args.namespace ?? contextNamespace(kc);
  switch (args.command) {
    case 'status':
      return statusCommand(client, args.allNamespaces ? undefined : namespace, args.output);
    case 'plan': {
      const [kind, name] = need(args, 2, 'plan KIND NAME -n NS [--keep]');
      return planCommand(
        client,
        { kind: resolveKind(kind!), name: name!, namespace, keep: args.keep, timeoutMs: args.timeoutMs ?? 2 * MINUTE, output: args.output },
        log,
      );
    }
    case 'drill': {
      const [name] = need(args, 1, 'drill NAME -n NS');
      return drillCommand(client, { name: name!, namespace, timeoutMs: args.timeoutMs ?? 15 * MINUTE }, log);
    }
    case 'timeline': {
      const [name, subject, ...extra] = args.positionals;
      if (!name || extra.length > 0) throw new UsageError(`usage: multiregion ${TIMELINE_USAGE}`);
      return timelineCommand(client, { name, namespace, subject: parseSubject(subject), output: args.output === 'svg' ? 'svg' : 'text' });
    }
    case 'failover': {
      const [name] = need(args, 1, 'failover NAME -n NS (--to REGION | --accept-data-loss) [--yes]');
      if (!args.to && !args.acceptDataLoss) throw new UsageError('failover needs --to REGION, --accept-data-loss, or both');
      return failoverCommand(
        client,
        {
          name: name!,
          namespace,
          ...(args.to !== undefined && { to: args.to }),
          acceptDataLoss: args.acceptDataLoss,
          yes: args.yes,
          timeoutMs: args.timeoutMs ?? 15 * MINUTE,
        },
        log,
      );
    }
    default:
      throw new UsageError(`unknown command "${args.command}"\n\n${USAGE}`);
  }
}

// Run only as the entry point (npm's bin link is a symlink, hence realpath), not when imported.
const entry = process.argv[1] ? pathToFileURL(realpathSync(process.argv[1])).href : '';
if (import.meta.url === entry) {
  run(process.argv.slice(2)).then(
    (out) => process.stdout.write(out),
    (err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      // A UsageError (bad flags) carries exit code 2.
      process.exitCode = (err as { exitCode?: number } | undefined)?.exitCode ?? 1;
    },
  );
}
