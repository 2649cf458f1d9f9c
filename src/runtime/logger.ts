// Structured JSON logs (winston). Everything goes through a redaction format first, so an AWS
// credential, a token or the data of a Secret never reaches the log even when a whole object
// or error is logged by mistake.
import winston from 'winston';

export type Logger = winston.Logger;
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

/** Key names (compared lower-case, without - and _, also as suffix) whose values are dropped. */
const SENSITIVE_KEYS = [
  'secretaccesskey',
  'sessiontoken',
  'password',
  'passphrase',
  'token',
  'authorization',
  'apikey',
  'privatekey',
  'clientsecret',
  'cookie',
];
const MAX_DEPTH = 8;

export function isSensitiveKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[-_]/g, '');
  return SENSITIVE_KEYS.some((s) => k === s || k.endsWith(s));
}

/** Credentials embedded in free text, e.g. an error message quoting a request header. */
const scrubText = (s: string): string => s.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, '$1 [REDACTED]');

const isSecret = (o: Record<string, unknown>): boolean => o.kind === 'Secret';

/** A redacted copy of `value`: sensitive keys and Secret data/stringData dropped, errors made plain. */
export function redact(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  seen.add(value);
  try {
    if (value instanceof Error) {
      const e = value as Error & Record<string, unknown>;
      const plain: Record<string, unknown> = { name: e.name, message: e.message, stack: e.stack };
      for (const [k, v] of Object.entries(e)) plain[k] = v;
      return redact(plain, depth, seen);
    }
    if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1, seen));
    if (value instanceof Date) return value.toISOString();
    const src = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(src)) {
      if (isSensitiveKey(k)) continue;
      if (isSecret(src) && (k === 'data' || k === 'stringData')) continue;
      out[k] = redact(v, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** winston format applying `redact` to every field of a log entry (symbol keys untouched). */
export const redactFormat = winston.format((info) => {
  const entry = info as Record<string, unknown>;
  const secret = isSecret(entry);
  for (const k of Object.keys(entry)) {
    if (isSensitiveKey(k) || (secret && (k === 'data' || k === 'stringData'))) delete entry[k];
    else entry[k] = redact(entry[k]);
  }
  return info;
});

export interface LoggerOptions {
  level?: LogLevel;
  /** Where JSON lines go; stdout by default (tests pass a stream to read them back). */
  stream?: NodeJS.WritableStream;
}

export function createLogger(o: LoggerOptions = {}): Logger {
  const level = o.level ?? 'info';
  if (!LOG_LEVELS.includes(level)) throw new Error(`log level must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
  return winston.createLogger({
    level,
    defaultMeta: { component: 'multiregion-controller' },
    format: winston.format.combine(winston.format.errors({ stack: true }), redactFormat(), winston.format.timestamp(), winston.format.json()),
    transports: [o.stream ? new winston.transports.Stream({ stream: o.stream }) : new winston.transports.Console()],
  });
}
