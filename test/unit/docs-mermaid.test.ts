// The Mermaid diagrams in README.md and docs/: present where the issue asks for them (an
// architecture diagram and a failover sequence diagram, in the README and docs/architecture.md),
// and plausible as Mermaid without a renderer: a known diagram type on the first line, brackets
// and quotes balanced, blocks (subgraph, alt, loop, …) closed, and in a sequence diagram no `;`
// (a statement separator there) and no participant that was not declared.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './packaging-tools.ts';

const KNOWN = /^(flowchart|graph) (TB|TD|BT|RL|LR)$|^(sequenceDiagram|stateDiagram-v2|stateDiagram|classDiagram|erDiagram|gantt|timeline|journey)$/;

export function mermaidBlocks(md: string): string[] {
  return [...md.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
}

/** Why the block is not plausible Mermaid, or [] when it is. */
export function mermaidProblems(block: string): string[] {
  const problems: string[] = [];
  const lines = block.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('%%'));
  const type = lines[0]?.trim() ?? '';
  if (!KNOWN.test(type)) problems.push(`unknown diagram type "${type}"`);
  const opens: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  lines.forEach((line, i) => {
    const stack: string[] = [];
    let quoted = false;
    for (const ch of line) {
      if (ch === '"') quoted = !quoted;
      else if (quoted) continue;
      else if ('([{'.includes(ch)) stack.push(ch);
      else if (')]}'.includes(ch) && stack.pop() !== opens[ch]) {
        problems.push(`line ${i + 1}: unbalanced ${ch}: ${line.trim()}`);
        return;
      }
    }
    if (quoted) problems.push(`line ${i + 1}: unclosed quote: ${line.trim()}`);
    else if (stack.length > 0) problems.push(`line ${i + 1}: unclosed ${stack.join('')}: ${line.trim()}`);
  });
  const openers = type.startsWith('sequenceDiagram') ? /^(alt|opt|loop|par|critical|break|rect)\b/ : /^subgraph\b/;
  let depth = 0;
  for (const l of lines.slice(1).map((x) => x.trim())) {
    if (openers.test(l)) depth++;
    else if (l === 'end') depth--;
    if (depth < 0) problems.push('an `end` without its block');
  }
  if (depth > 0) problems.push(`${depth} block(s) not closed with \`end\``);
  if (type === 'sequenceDiagram') {
    const declared = new Set(lines.flatMap((l) => [...(/^\s*(?:participant|actor)\s+(\S+)/.exec(l)?.slice(1) ?? [])]));
    for (const l of lines) {
      if (l.includes(';')) problems.push(`";" ends a statement in a sequence diagram: ${l.trim()}`);
      const arrow = /^\s*([\w]+)\s*(?:-{1,2}>>|-{1,2}>|-{1,2}x|-{1,2}\))\s*[+-]?([\w]+)\s*:/.exec(l);
      for (const who of arrow ? [arrow[1]!, arrow[2]!] : []) {
        if (!declared.has(who)) problems.push(`participant ${who} is not declared: ${l.trim()}`);
      }
    }
  }
  return problems;
}

const read = (p: string) => readFileSync(join(repoRoot, p), 'utf8');

for (const file of ['README.md', 'docs/architecture.md']) {
  test(`${file} has an architecture diagram and a failover sequence diagram in Mermaid`, () => {
    const blocks = mermaidBlocks(read(file));
    assert.ok(
      blocks.some((b) => /^(flowchart|graph) /.test(b) && b.includes('kube-apiserver') && b.includes('Route 53')),
      'a flowchart of the controller, the cluster and AWS',
    );
    const seq = blocks.find((b) => b.startsWith('sequenceDiagram') && b.includes('PromoteReadReplica'));
    assert.ok(seq, 'a failover sequence diagram');
    // The steps in the order status.inProgress records them (docs/failover.md).
    const order = ['Triggered', 'LagChecked', 'Fenced', 'PromoteRequested', 'SecretWritten', 'DnsSwitched', 'Completed'].map((s) => seq.indexOf(s));
    assert.ok(
      order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!)),
      `the failover steps in order: ${order.join(', ')}`,
    );
  });
}

test('every Mermaid block in README.md and docs/ is plausible Mermaid', () => {
  const files = [
    'README.md',
    ...readdirSync(join(repoRoot, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  let count = 0;
  for (const f of files) {
    for (const b of mermaidBlocks(read(f))) {
      count++;
      assert.deepEqual(mermaidProblems(b), [], `${f}: a Mermaid block that would not render:\n${b}`);
    }
  }
  assert.ok(count >= 5, `found ${count} blocks`);
});

test('the checks catch what breaks rendering', () => {
  assert.match(mermaidProblems('flowhcart LR\n  A --> B\n').join(), /unknown diagram type/);
  assert.match(mermaidProblems('flowchart LR\n  A["x] --> B\n').join(), /unclosed quote/);
  assert.match(mermaidProblems('flowchart LR\n  A[x --> B\n').join(), /unclosed \[/);
  assert.match(mermaidProblems('flowchart LR\n  subgraph S\n  A --> B\n').join(), /not closed/);
  assert.match(mermaidProblems('sequenceDiagram\n  participant A\n  A->>B: hi\n').join(), /participant B is not declared/);
  assert.match(mermaidProblems('sequenceDiagram\n  participant A\n  A->>A: a; b\n').join(), /";" ends a statement/);
  assert.match(mermaidProblems('sequenceDiagram\n  participant A\n  alt x\n  A->>A: y\n').join(), /not closed/);
  assert.deepEqual(mermaidProblems('sequenceDiagram\n  actor A\n  participant B\n  alt x\n  A->>B: y\n  else z\n  B-->>A: w\n  end\n'), []);
});
