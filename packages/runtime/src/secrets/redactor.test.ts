import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor, encodedForms, redactStream, type Redactor, type SecretValue } from './redactor.js';

/** Pipes `chunks` through a redacting stream and returns the output text. */
async function throughStream(redactor: Redactor, chunks: (string | Buffer)[]): Promise<string> {
  const out: Buffer[] = [];
  const stream = Readable.from(
    chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)),
  ).pipe(redactStream(redactor));
  for await (const chunk of stream) out.push(chunk as Buffer);
  return Buffer.concat(out).toString('utf8');
}

const DB: SecretValue = { name: 'db/password', value: 'S3cr3t-pass' };

describe('createRedactor', () => {
  it('masks a value in the middle of a log line, naming the secret', () => {
    const redactor = createRedactor([DB]);
    expect(redactor.redact('connecting with S3cr3t-pass to db')).toBe(
      'connecting with [REDACTED:db/password] to db',
    );
    expect(redactor.redact('nothing to hide')).toBe('nothing to hide');
  });

  it('masks with *** when asked', () => {
    expect(createRedactor([DB], { mask: 'stars' }).redact('pw=S3cr3t-pass.')).toBe('pw=***.');
  });

  it('masks the base64, base64url and URL-encoded forms', () => {
    const value = 'p@ss word/+?~~';
    const redactor = createRedactor([{ name: 'api/token', value }]);
    const b64 = Buffer.from(value).toString('base64');
    const b64url = Buffer.from(value).toString('base64url');
    expect(b64).not.toBe(b64url);
    for (const form of [
      b64,
      b64url,
      encodeURIComponent(value),
      encodeURIComponent(value).replaceAll('%20', '+'),
    ]) {
      const out = redactor.redact(`x ${form} y`);
      expect(out).not.toContain(form);
      expect(out).toContain('[REDACTED:api/token]');
    }
  });

  it('masks the JSON-escaped form of a value with quotes and backslashes', () => {
    const value = 'he said "hi" \\ bye';
    const redactor = createRedactor([{ name: 'odd', value }]);
    const line = JSON.stringify({ level: 30, msg: `login ${value}` });
    expect(line).not.toContain(value);
    expect(redactor.redact(line)).toBe(JSON.stringify({ level: 30, msg: 'login [REDACTED:odd]' }));
    // JSON logged inside JSON: escaped twice.
    const nested = JSON.stringify({ msg: JSON.stringify({ password: value }) });
    expect(redactor.redact(nested)).toContain('[REDACTED:odd]');
    expect(redactor.redact(nested)).not.toContain('hi');
  });

  it('ignores values shorter than 4 characters', () => {
    const redactor = createRedactor([{ name: 'pin', value: 'abc' }]);
    expect(redactor.size).toBe(0);
    expect(redactor.redact('abc abc')).toBe('abc abc');
  });

  it('masks many values in one pass', () => {
    const values = Array.from({ length: 2000 }, (_, i) => ({ name: `s${i}`, value: `secret-value-${i}-x` }));
    const redactor = createRedactor(values);
    const line = values
      .filter((_, i) => i % 97 === 0)
      .map((v) => `${v.value}`)
      .join(' | ');
    const out = redactor.redact(line);
    for (const { value } of values) expect(out).not.toContain(value);
    expect(out).toContain('[REDACTED:s97]');
  });

  it('prefers the longest value where values overlap', () => {
    const redactor = createRedactor([
      { name: 'short', value: 'abcd' },
      { name: 'long', value: 'abcdefgh' },
    ]);
    expect(redactor.redact('-abcdefgh-abcd-')).toBe('-[REDACTED:long]-[REDACTED:short]-');
  });

  it('does not reveal a value through its own mask', () => {
    // [REDACTED:db/password] would contain the value "password".
    const redactor = createRedactor([{ name: 'db/password', value: 'password' }]);
    expect(redactor.redact('pw: password')).toBe('pw: [REDACTED]');
  });

  it('lists the encoded forms of a value', () => {
    expect(encodedForms('a"b')).toEqual(
      expect.arrayContaining(['a"b', 'a\\"b', 'a\\\\\\"b', 'a%22b', 'YSJi']),
    );
  });

  it('leaves no value of length ≥ 4 in its output (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ name: fc.string({ maxLength: 8 }), value: fc.string({ maxLength: 10 }) }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.nat()), { maxLength: 12 }),
        (values, parts) => {
          // Text made of the values (and their forms) mixed with noise.
          const text = parts
            .map((part) => {
              if (typeof part === 'string') return part;
              const value = values[part % values.length]!.value;
              const forms = encodedForms(value);
              return forms[part % forms.length]!;
            })
            .join('');
          const out = createRedactor(values).redact(text);
          for (const { value } of values) {
            if (value.length >= 4) expect(out).not.toContain(value);
          }
        },
      ),
    );
  });

  it('never lets a mask and the text around it form a value (property)', () => {
    // Values drawn from the masks' own characters, the worst case for masking.
    const unit = fc.constantFrom(...'[]REDACT:*<>#~eb');
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ name: fc.constantFrom('', 'e', 'eb'), value: fc.string({ unit, maxLength: 8 }) }),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        fc.array(fc.oneof(fc.string({ unit, maxLength: 4 }), fc.nat()), { maxLength: 10 }),
        (values, parts) => {
          const text = parts
            .map((part) => (typeof part === 'string' ? part : values[part % values.length]!.value))
            .join('');
          const out = createRedactor(values).redact(text);
          for (const { value } of values) {
            if (value.length >= 4) expect(out).not.toContain(value);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('redactStream', () => {
  it('catches a value split across two chunks', async () => {
    const redactor = createRedactor([DB]);
    expect(await throughStream(redactor, ['user=shop pass=S3cr', '3t-pass end\n'])).toBe(
      'user=shop pass=[REDACTED:db/password] end\n',
    );
  });

  it('keeps multi-byte characters whole across chunk boundaries', async () => {
    const redactor = createRedactor([{ name: 'emoji', value: 'ключ🔑ключ' }]);
    const bytes = Buffer.from('a ключ🔑ключ b 🔑 ü\n');
    const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    expect(await throughStream(redactor, chunks)).toBe('a [REDACTED:emoji] b 🔑 ü\n');
  });

  it('passes text through untouched when there is nothing to redact', async () => {
    expect(await throughStream(createRedactor([]), ['a', 'b', 'c'])).toBe('abc');
  });

  it('gives the same output as redact(), whatever the chunking (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ name: fc.constantFrom('a', 'b'), value: fc.string({ minLength: 4, maxLength: 8 }) }),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.nat()), { maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (values, parts, cuts) => {
          const text = parts
            .map((part) => (typeof part === 'string' ? part : values[part % values.length]!.value))
            .join('');
          const bytes = Buffer.from(text);
          const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((x, y) => x - y);
          const chunks: Buffer[] = [];
          let last = 0;
          for (const point of [...points, bytes.length]) {
            chunks.push(bytes.subarray(last, point));
            last = point;
          }
          const redactor = createRedactor(values);
          const out = await throughStream(redactor, chunks);
          expect(out).toBe(redactor.redact(text));
          for (const { value } of values) expect(out).not.toContain(value);
        },
      ),
    );
  });
});
