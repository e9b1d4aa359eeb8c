import type { Redactor } from './redactor.js';

/** What a value under a sensitive key becomes. */
export const REDACTED = '[REDACTED]';

const SENSITIVE_WORDS = new Set([
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'tokens',
  'credential',
  'credentials',
  'authorization',
  'cookie',
  'apikey',
  'privatekey',
  'accesskey',
  'secretkey',
  'signingkey',
  'encryptionkey',
]);

/** The words of a key: `dbPassword`, `DB_PASSWORD`, `db-password` and `APIKey` all split alike. */
function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

/**
 * True for keys named like a credential: a word such as password, token, secret, credential or
 * authorization, or a last word `key` (`key`, `apiKey`, `signing_key`, but not `keyId`, `keys` or
 * `publicKey`).
 */
export function isSensitiveKey(key: string): boolean {
  const parts = words(key);
  if (parts.some((word) => SENSITIVE_WORDS.has(word))) return true;
  const last = parts.length - 1;
  return parts[last] === 'key' && parts[last - 1] !== 'public';
}

/** Options of {@link redactObject}. */
export interface RedactObjectOptions {
  /** Also masks known secret values inside every string. */
  redactor?: Redactor;
  /** Which keys hide their value whatever it is; defaults to {@link isSensitiveKey}. */
  isSensitiveKey?: (key: string) => boolean;
}

/**
 * A copy of `value` fit for status output and API responses: strings, numbers and bigints under a
 * sensitive key (or in an array under one) become {@link REDACTED} whatever they hold; every other string
 * goes through the redactor. Objects under a sensitive key are walked by their own keys, not hidden, so
 * `{secrets: [{name, revision}]}` stays readable. Follows JSON's rules (`toJSON` is honoured, functions and symbols dropped, cycles become
 * `[Circular]`). The shape is kept; masked leaves become strings, which the static type does not show.
 */
export function redactObject<T>(value: T, options: RedactObjectOptions = {}): T {
  const sensitive = options.isSensitiveKey ?? isSensitiveKey;
  const ancestors = new Set<object>();

  const walk = (input: unknown, key: string, masked: boolean): unknown => {
    let current = input;
    if (typeof current === 'object' && current !== null && 'toJSON' in current) {
      const toJSON = current.toJSON;
      if (typeof toJSON === 'function') current = (toJSON as (key: string) => unknown).call(current, key);
    }
    if (typeof current === 'string') {
      if (masked) return REDACTED;
      return options.redactor ? options.redactor.redact(current) : current;
    }
    if (typeof current === 'number' || typeof current === 'bigint') return masked ? REDACTED : current;
    if (typeof current !== 'object' || current === null) return current;
    if (ancestors.has(current)) return '[Circular]';
    ancestors.add(current);
    try {
      if (Array.isArray(current)) return current.map((item, index) => walk(item, String(index), masked));
      const out: Record<string, unknown> = {};
      for (const [childKey, child] of Object.entries(current)) {
        if (typeof child === 'function' || typeof child === 'symbol' || child === undefined) continue;
        out[childKey] = walk(child, childKey, sensitive(childKey));
      }
      return out;
    } finally {
      ancestors.delete(current);
    }
  };

  return walk(value, '', false) as T;
}
