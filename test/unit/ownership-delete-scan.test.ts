// Issue 16 item 4: every destructive AWS call in src/aws (Delete*, Disassociate*, Reject*,
// Remove*, Replace*) must be preceded, in the function that makes it, by an ownership check on
// what AWS says now: an id from status proves nothing. Pattern-based, like the IAM action scan.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './packaging-tools.ts';

const DESTRUCTIVE = /new\s+(?:\w+\.)?((?:Delete|Disassociate|Reject|Remove|Replace)\w*Command)\b/;

/**
 * What counts as a check: a tag helper of src/aws/tags.ts or a module built on it, a flag those
 * set (`seen.owned`), or a `// ownership:` comment saying why the call touches only our own
 * (e.g. removing a tag key the function itself just added).
 */
const CHECK = /\b(ownsForDelete|isOwnedBy|ownedOnSide|carriesOurTags|ownsHealthCheck|assertOwned\w*)\s*\(|\.owned\b|\/\/ ownership:/;

/** A named function or method header (arrow callbacks belong to the function around them). */
const HEADER = new RegExp(
  String.raw`^\s*(?:export\s+)?(?:(?:private|public|protected|static|async)\s+)*` +
    String.raw`(?:function\s*\*?\s*([A-Za-z_$][\w$]*)|(?!(?:if|for|while|switch|catch|return|await)\b)([A-Za-z_$][\w$]*))` +
    String.raw`\s*(?:<[^>]*>)?\s*\(`,
);

/**
 * Calls still without a check in the function that makes them, each left to the task that owns
 * its file (issue 16 items 1–4 on src/aws/ec2, running alongside), or taking a resource that
 * cannot carry tags (routes, query definitions), whose ownership is the object's own record.
 * `file#function`: a new unchecked call anywhere else fails the test.
 */
const ELSEWHERE: Record<string, string> = {
  'src/aws/ec2/tgw-routes.ts#deleteTgwRoute': 'TGW routes carry no tags: only CIDRs this object recorded (item 3)',
  'src/aws/ec2/vpc-routes.ts#applyVpcRoutePlan': 'VPC routes carry no tags: only routes this object created (item 2)',
  'src/aws/ec2/tgw-route-table.ts#disassociate': 'attachments the spec lists only (item 1)',
  'src/aws/cloudwatch/query-definitions.ts#deleteById': 'query definitions carry no tags: found under the owner name prefix',
  'src/aws/cloudwatch/dashboards.ts#deleteDashboard': 'dashboards cannot be tagged: ownership is the name, derived from the owner (cloudwatch/names.ts)',
};

interface Call {
  where: string;
  line: number;
  command: string;
  fn: string;
  checked: boolean;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

/** Pure: the destructive calls of one source file, each with its function and whether a check precedes it there. */
export function destructiveCalls(where: string, source: string): Call[] {
  const lines = source.split('\n');
  const out: Call[] = [];
  lines.forEach((text, i) => {
    const m = DESTRUCTIVE.exec(text);
    if (!m || text.trim().startsWith('//') || text.trim().startsWith('*')) return;
    let start = i;
    let fn = '(top level)';
    for (let j = i; j >= 0; j--) {
      const h = HEADER.exec(lines[j] ?? '');
      // A method header opens its body on its line; a call statement (`ignoreNotFound(ga.send(…`) does not.
      if (h && (h[1] !== undefined || /\{\s*$/.test(lines[j] ?? ''))) {
        start = j;
        fn = h[1] ?? h[2] ?? fn;
        break;
      }
    }
    const body = lines.slice(start, i + 1).join('\n');
    out.push({ where, line: i + 1, command: m[1] ?? '', fn, checked: CHECK.test(body) });
  });
  return out;
}

function allCalls(): Call[] {
  return tsFiles(join(repoRoot, 'src/aws')).flatMap((f) => destructiveCalls(relative(repoRoot, f), readFileSync(f, 'utf8')));
}

test('every Delete/Disassociate/Reject/Remove/Replace call in src/aws is preceded by an ownership check', () => {
  const calls = allCalls();
  assert.ok(calls.length >= 10, `the scan found only ${calls.length} destructive calls: the pattern is broken`);
  const unchecked = calls.filter((c) => !c.checked && !(`${c.where}#${c.fn}` in ELSEWHERE));
  assert.deepEqual(
    unchecked.map((c) => `${c.where}:${c.line} ${c.command} in ${c.fn}()`),
    [],
    'these calls act on whatever id they are given: read the tags (ownsForDelete) first',
  );
});

test('a call statement inside the function is not taken for a method header', () => {
  const src =
    `export async function teardown(ga, owner, arn, mutate) {\n  await assertOwned(ga, owner, arn);\n` +
    `  await mutate(change, () =>\n    ignoreNotFound(ga.send(new Sdk.DeleteListenerCommand({ ListenerArn: l })),\n  );\n}\n`;
  assert.deepEqual(
    destructiveCalls('x.ts', src).map((c) => [c.fn, c.checked]),
    [['teardown', true]],
  );
});

test('the scan catches a delete without a check, and accepts one with a check', () => {
  const bare = `export async function deleteIt(ec2, id) {\n  await ec2.send(new ec2Sdk.DeleteThingCommand({ Id: id }));\n}\n`;
  const checked =
    `export async function deleteIt(ec2, id, owner) {\n  const t = await tagsOf(id);\n` +
    `  if (!ownsForDelete(t, owner)) return;\n  await ec2.send(new ec2Sdk.DeleteThingCommand({ Id: id }));\n}\n`;
  const checkInAnotherFunction =
    `function other(t, o) {\n  return isOwnedBy(t, o);\n}\n\nasync function deleteIt(ec2, id) {\n` +
    `  await ec2.send(new DisassociateThingCommand({ Id: id }));\n}\n`;
  assert.deepEqual(
    destructiveCalls('x.ts', bare).map((c) => [c.fn, c.checked]),
    [['deleteIt', false]],
  );
  assert.deepEqual(
    destructiveCalls('x.ts', checked).map((c) => [c.fn, c.checked]),
    [['deleteIt', true]],
  );
  assert.deepEqual(
    destructiveCalls('x.ts', checkInAnotherFunction).map((c) => [c.fn, c.checked]),
    [['deleteIt', false]],
  );
});

test('every exemption names a function that still makes an unchecked destructive call', () => {
  // A stale entry would silently exempt whatever call lands in that function later.
  const unchecked = new Set(
    allCalls()
      .filter((c) => !c.checked)
      .map((c) => `${c.where}#${c.fn}`),
  );
  const stale = Object.keys(ELSEWHERE).filter((k) => !unchecked.has(k));
  assert.deepEqual(stale, [], 'checked now, or gone: remove these from ELSEWHERE');
});
