import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, isSensitiveKey, redact } from '../../src/runtime/logger.ts';

describe('isSensitiveKey', () => {
  const cases: Array<{ key: string; want: boolean }> = [
    { key: 'secretAccessKey', want: true },
    { key: 'SecretAccessKey', want: true },
    { key: 'aws_secret_access_key', want: true },
    { key: 'sessionToken', want: true },
    { key: 'password', want: true },
    { key: 'masterUserPassword', want: true },
    { key: 'token', want: true },
    { key: 'bearerToken', want: true },
    { key: 'authorization', want: true },
    { key: 'Authorization', want: true },
    { key: 'x-amz-security-token', want: true },
    { key: 'region', want: false },
    { key: 'accessKeyId', want: false },
    { key: 'tokens', want: false },
    { key: 'name', want: false },
    { key: 'data', want: false },
  ];
  for (const c of cases) it(`${c.key} → ${c.want}`, () => assert.equal(isSensitiveKey(c.key), c.want));
});

describe('redact', () => {
  const cases: Array<{ reason: string; input: unknown; want: unknown }> = [
    {
      reason: 'drops credential keys at any depth',
      input: { region: 'us-east-1', credentials: { accessKeyId: 'AKIA1', secretAccessKey: 's3cr3t', sessionToken: 'tok' } },
      want: { region: 'us-east-1', credentials: { accessKeyId: 'AKIA1' } },
    },
    {
      reason: 'drops data and stringData of a Secret, keeps its metadata',
      input: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { password: 'eA==' }, stringData: { host: 'h' } },
      want: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' } },
    },
    {
      reason: 'keeps data of a non-Secret object',
      input: { kind: 'ConfigMap', data: { a: '1' } },
      want: { kind: 'ConfigMap', data: { a: '1' } },
    },
    {
      reason: 'redacts inside arrays',
      input: [{ password: 'p', user: 'u' }],
      want: [{ user: 'u' }],
    },
    {
      reason: 'scrubs bearer tokens quoted in text',
      input: { msg: 'request failed: Authorization: Bearer abc.def-123 rejected' },
      want: { msg: 'request failed: Authorization: Bearer [REDACTED] rejected' },
    },
    {
      reason: 'breaks cycles',
      input: (() => {
        const a: Record<string, unknown> = { n: 1 };
        a.self = a;
        return a;
      })(),
      want: { n: 1, self: '[Circular]' },
    },
    { reason: 'leaves primitives alone', input: 42, want: 42 },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const before = JSON.stringify(c.input, (_k, v) => (v === c.input && _k ? '[self]' : v));
      assert.deepEqual(redact(c.input), c.want);
      assert.equal(
        JSON.stringify(c.input, (_k, v) => (v === c.input && _k ? '[self]' : v)),
        before,
        'input not modified',
      );
    });
  }

  it('turns errors into plain objects and redacts their fields', () => {
    const e = Object.assign(new Error('boom'), { code: 'X', sessionToken: 't' });
    const got = redact(e) as Record<string, unknown>;
    assert.equal(got.message, 'boom');
    assert.equal(got.code, 'X');
    assert.ok(typeof got.stack === 'string');
    assert.equal('sessionToken' in got, false);
  });

  it('works on frozen (cached) objects', () => {
    const frozen = Object.freeze({ kind: 'Secret', data: Object.freeze({ k: 'v' }), metadata: Object.freeze({ name: 'x' }) });
    assert.deepEqual(redact(frozen), { kind: 'Secret', metadata: { name: 'x' } });
  });
});

describe('createLogger', () => {
  const capture = (level?: 'debug' | 'info') => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    return { logger: createLogger({ level, stream }), entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  };

  it('writes JSON with child context and without secrets', () => {
    const { logger, entries } = capture();
    logger.child({ kind: 'FailoverPolicy', namespace: 'apps', name: 'orders', region: 'us-east-1' }).info('assumed role', {
      password: 'hunter2',
      token: 'abc',
      creds: { secretAccessKey: 'zzz', accessKeyId: 'AKIA' },
      secret: { kind: 'Secret', data: { p: 'x' } },
    });
    const [e] = entries();
    assert.ok(e);
    assert.equal(e.message, 'assumed role');
    assert.equal(e.level, 'info');
    assert.equal(e.kind, 'FailoverPolicy');
    assert.equal(e.namespace, 'apps');
    assert.equal(e.name, 'orders');
    assert.equal(e.region, 'us-east-1');
    assert.ok(typeof e.timestamp === 'string');
    const text = JSON.stringify(e);
    for (const leaked of ['hunter2', '"abc"', 'zzz', '"x"']) assert.equal(text.includes(leaked), false, `leaked ${leaked}`);
    assert.deepEqual(e.creds, { accessKeyId: 'AKIA' });
  });

  it('respects the level', () => {
    const { logger, entries } = capture('info');
    logger.debug('hidden');
    logger.info('shown');
    assert.deepEqual(
      entries().map((e) => e.message),
      ['shown'],
    );
  });

  it('logs an error object with its message and stack', () => {
    const { logger, entries } = capture();
    logger.error('reconcile failed', { err: new Error('AccessDenied for Bearer abc') });
    const [e] = entries();
    const err = e?.err as Record<string, unknown>;
    assert.equal(err.message, 'AccessDenied for Bearer [REDACTED]');
    assert.ok(String(err.stack).includes('AccessDenied'));
  });

  it('rejects an unknown level', () => {
    assert.throws(() => createLogger({ level: 'verbose' as 'info' }), /log level/);
  });
});
