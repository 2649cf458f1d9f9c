// The test stack's moto answers GetMetricData through an index (test/env/moto_cloudwatch_reads.py)
// instead of scanning every datapoint once per period. Its answers must be moto's own: the check
// puts random datapoints into one backend and asks both implementations the same random queries.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const envDir = fileURLToPath(new URL('../env/', import.meta.url));

for (const seed of [7, 23]) {
  test(`GetMetricData through the index answers as moto does (random data, seed ${seed})`, async () => {
    const python = process.env.MOTO_PYTHON ?? 'python3';
    // A difference exits 1, which rejects with the check's own description of the case.
    const { stdout } = await run(python, ['moto_cloudwatch_reads_check.py', String(seed)], { cwd: envDir, timeout: 60_000 });
    assert.match(stdout, /^60 cases equal \(\d+ with datapoints\)/);
  });
}
