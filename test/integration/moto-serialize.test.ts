// The test stack's moto serializes faster (test/env/moto_serialize.py): each answer member's
// attribute names found once per shape, XML written directly instead of through xmltodict's SAX
// generator. Its answers must be moto's own, byte for byte: the check reads the same state through
// both serializers, for each protocol the controller speaks, and writes random documents both ways.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const envDir = fileURLToPath(new URL('../env/', import.meta.url));

test('the faster serializer writes the bytes moto writes: answers of each protocol, random XML documents', async () => {
  const python = process.env.MOTO_PYTHON ?? 'python3';
  // A difference exits 1, which rejects with the check's own description of the answer.
  const { stdout } = await run(python, ['moto_serialize_check.py', '5'], { cwd: envDir, timeout: 120_000 });
  assert.match(stdout, /^13 answers equal; 300 random documents written as xmltodict writes them; 5 rounds/);
});
