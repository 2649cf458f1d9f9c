// The bench's CPU accounting of the stack (test/bench/process-cpu.ts): /proc/PID/stat parsing,
// which part a process is, and a window's figures.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseProcStat, partOf, stackCpu, windowCpu } from '../bench/process-cpu.ts';

describe('bench process CPU', () => {
  test('a stat line is read after the last parenthesis of the command name', () => {
    const line = '4242 (node (main) x) S 4000 4242 17 0 -1 4194304 125 0 0 0 250 75 3 4 20 0 12 0 2304570 3133440 379';
    assert.deepEqual(parseProcStat(line), { pid: 4242, ppid: 4000, cpuSeconds: 3.25 });
    assert.equal(parseProcStat('garbage'), undefined);
  });

  test('each process of the stack is named by its command line', () => {
    assert.equal(partOf('python3 test/env/moto_server_ext.py -p 5000'), 'moto');
    assert.equal(partOf('/cache/k8s/kube-apiserver --etcd-servers=http://127.0.0.1:2379'), 'apiserver');
    assert.equal(partOf('/cache/k8s/etcd --data-dir /tmp/x'), 'etcd');
    assert.equal(partOf('node --import tsx src/main.ts --watch-namespace=a'), 'controller');
    assert.equal(partOf('node dist/main.js'), 'controller');
    assert.equal(partOf('sleep 5'), 'other');
  });

  test("a window's total, busy share and floor come from its two readings", () => {
    const w = windowCpu({ moto: 10, apiserver: 5, gone: 2 }, { moto: 13, apiserver: 6.5, controller: 1 }, 3, 2);
    assert.deepEqual(w.byPart, { moto: 3, apiserver: 1.5, gone: 0, controller: 1 });
    assert.equal(w.total, 5.5);
    assert.equal(w.busyShare, 0.92);
    assert.equal(w.floorSeconds, 2.75);
  });

  test('this process and a busy child are counted', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['-e', 'const t = Date.now(); while (Date.now() - t < 1500);']);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const seen = stackCpu();
    await new Promise((resolve) => child.on('exit', resolve));
    assert.ok((seen.bench ?? 0) > 0, 'the bench itself');
    assert.ok((seen.other ?? 0) > 0.02, `the child's CPU so far: ${JSON.stringify(seen)}`);
  });
});
