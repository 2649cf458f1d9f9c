// The IAM actions the code calls: every `new XCommand(` in src/aws and src/controllers,
// resolved through that file's imports to the SDK package it comes from, and every command or
// paginator reached through a loader of src/aws/sdk.ts (`new ec2Sdk.XCommand(`).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SDK_PACKAGES } from '../../src/aws/sdk.ts';
import { repoRoot } from './packaging-tools.ts';

/** SDK package -> IAM service prefix. */
export const iamPrefix: Record<string, string> = {
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-route-53': 'route53',
  '@aws-sdk/client-rds': 'rds',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-cloudwatch-logs': 'logs',
  '@aws-sdk/client-sts': 'sts',
  '@aws-sdk/client-global-accelerator': 'globalaccelerator',
  '@aws-sdk/client-dynamodb': 'dynamodb',
};

function tsFiles(dir: string): string[] {
  let out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(tsFiles(p));
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Local name -> { package, exported name } for value imports from the AWS SDK clients. */
export function sdkImports(source: string): Map<string, { pkg: string; name: string }> {
  const out = new Map<string, { pkg: string; name: string }>();
  for (const m of source.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s*from\s*'(@aws-sdk\/client-[a-z0-9-]+)'/g)) {
    if (m[1]) continue; // `import type { … }` brings no commands
    for (const raw of m[2]!.split(',')) {
      const spec = raw.trim();
      if (!spec || spec.startsWith('type ')) continue;
      const [name, alias] = spec.split(/\s+as\s+/).map((s) => s.trim());
      out.set(alias ?? name!, { pkg: m[3]!, name: name! });
    }
  }
  return out;
}

export interface CodeAction {
  action: string;
  file: string;
}

/** Every IAM action the code calls, with one file that calls it; unresolved commands throw. */
export function codeActions(dirs = ['src/aws', 'src/controllers']): Map<string, string> {
  const actions = new Map<string, string>();
  for (const dir of dirs) {
    for (const file of tsFiles(join(repoRoot, dir))) {
      const source = readFileSync(file, 'utf8');
      const imports = sdkImports(source);
      for (const m of source.matchAll(/new\s+(\w+Command)\b/g)) {
        const local = m[1]!;
        const imp = imports.get(local);
        const where = relative(repoRoot, file);
        if (!imp) throw new Error(`${where}: new ${local} is not imported from an @aws-sdk/client-* package, so its IAM action is unknown`);
        const prefix = iamPrefix[imp.pkg];
        if (!prefix) throw new Error(`${where}: ${imp.pkg} has no IAM prefix in packaging-iam-actions.ts`);
        const action = `${prefix}:${imp.name.replace(/Command$/, '')}`;
        if (!actions.has(action)) actions.set(action, where);
      }
      // The packages are loaded on first use (src/aws/sdk.ts): `new ec2Sdk.XCommand(` and
      // `ec2Sdk.paginateX(` name the package through the loader.
      for (const m of source.matchAll(/\b(\w+Sdk)\.(?:(\w+)Command\b|paginate(\w+)\()/g)) {
        const pkg = SDK_PACKAGES[m[1] as keyof typeof SDK_PACKAGES];
        const prefix = pkg && iamPrefix[pkg];
        if (!prefix) continue; // credentialProvidersSdk: its calls are sts:AssumeRole, listed as implied
        const action = `${prefix}:${m[2] ?? m[3]}`;
        if (!actions.has(action)) actions.set(action, relative(repoRoot, file));
      }
    }
  }
  return actions;
}
