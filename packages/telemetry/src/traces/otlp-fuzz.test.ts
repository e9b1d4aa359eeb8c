import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import Fastify from 'fastify';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OtlpDecodeError } from './otlp-common.js';
import { decodeOtlpJson } from './otlp-json-decoder.js';
import { decodeOtlpProtobuf } from './otlp-proto-decoder.js';
import { traceApiPlugin } from './trace-api.js';
import { createTraceStore } from './trace-store.js';
import { childContext, createSdkRecorder, hrTime } from './testing/sdk-spans.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

function validRequest(): Uint8Array {
  const sdk = createSdkRecorder();
  const root = sdk.tracer('api', { 'service.version': '1' }).startSpan('GET /', {
    kind: SpanKind.SERVER,
    startTime: hrTime(T0),
    attributes: { a: 'b', n: 3, list: [1, 2], f: 1.5 },
  });
  const child = sdk
    .tracer('db')
    .startSpan('SELECT', { kind: SpanKind.CLIENT, startTime: hrTime(T0 + 1) }, childContext(root));
  child.addEvent('retry', { attempt: 2 }, hrTime(T0 + 2));
  child.end(hrTime(T0 + 3));
  root.end(hrTime(T0 + 4));
  return ProtobufTraceSerializer.serializeRequest(sdk.spans())!;
}

/** Decoding either succeeds or fails with OtlpDecodeError: never another exception. */
function decodesOrRefuses(decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(OtlpDecodeError);
  }
}

describe('OTLP decoders never crash on hostile input', () => {
  const valid = validRequest();

  it('random bytes decode or are refused as malformed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) =>
        decodesOrRefuses(() => decodeOtlpProtobuf(bytes)),
      ),
      { numRuns: 2000 },
    );
  });

  it('mutated and truncated real requests decode or are refused', () => {
    const mutation = fc.record({
      edits: fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.nat({ max: 255 })), {
        minLength: 1,
        maxLength: 8,
      }),
      cut: fc.nat({ max: valid.length }),
    });
    fc.assert(
      fc.property(mutation, ({ edits, cut }) => {
        const bytes = Uint8Array.from(valid);
        for (const [at, value] of edits) bytes[at] = value;
        decodesOrRefuses(() => decodeOtlpProtobuf(bytes));
        decodesOrRefuses(() => decodeOtlpProtobuf(valid.subarray(0, cut)));
      }),
      { numRuns: 2000 },
    );
  });

  it('arbitrary JSON values decode or are refused', () => {
    const otlpish = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue(),
        fc.record({ resourceSpans: tie('value') }),
        fc.record({ scopeSpans: tie('value'), resource: tie('value') }),
        fc.record({ spans: tie('value') }),
        fc.record({
          traceId: tie('value'),
          spanId: tie('value'),
          attributes: tie('value'),
          startTimeUnixNano: tie('value'),
        }),
        fc.record({ key: fc.string(), value: tie('value') }),
        fc.record({ arrayValue: fc.record({ values: tie('value') }), intValue: tie('value') }),
        fc.array(tie('value'), { maxLength: 3 }),
      ),
    })).value;
    fc.assert(
      fc.property(otlpish, (value) => decodesOrRefuses(() => decodeOtlpJson(value))),
      { numRuns: 3000 },
    );
  });

  it('deeply nested attribute values are refused, not a stack overflow', () => {
    // AnyValue{array_value{values: AnyValue{array_value{...}}}} nested 200 deep (the limit is 32).
    let value: number[] = [];
    for (let i = 0; i < 200; i++) {
      const array = [0x0a, ...lengthPrefix(value)]; // ArrayValue.values = 1
      value = [0x2a, ...lengthPrefix(array)]; // AnyValue.array_value = 5
    }
    const keyValue = [0x0a, 0x01, 0x6b, 0x12, ...lengthPrefix(value)];
    const span = [0x4a, ...lengthPrefix(keyValue)];
    const request = [0x0a, ...lengthPrefix([0x12, ...lengthPrefix([0x12, ...lengthPrefix(span)])])];
    expect(() => decodeOtlpProtobuf(Uint8Array.from(request))).toThrow(OtlpDecodeError);
    let json: unknown = { stringValue: 'x' };
    for (let i = 0; i < 5000; i++) json = { arrayValue: { values: [json] } };
    const body = {
      resourceSpans: [{ scopeSpans: [{ spans: [{ attributes: [{ key: 'k', value: json }] }] }] }],
    };
    expect(() => decodeOtlpJson(body)).toThrow(OtlpDecodeError);
  });

  it('over HTTP, random bodies get 200 or 400 and a 400 stores nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otlp-fuzz-'));
    const store = await createTraceStore({ dir, now: () => T0 });
    const app = Fastify();
    await app.register(traceApiPlugin({ store }));
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 500 }),
          fc.constantFrom('application/x-protobuf', 'application/json'),
          async (bytes, type) => {
            const before = store.stats().spans;
            const res = await app.inject({
              method: 'POST',
              url: '/v1/traces',
              payload: Buffer.from(bytes),
              headers: { 'content-type': type },
            });
            expect([200, 400]).toContain(res.statusCode);
            if (res.statusCode === 400) expect(store.stats().spans).toBe(before);
          },
        ),
        { numRuns: 300 },
      );
    } finally {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function lengthPrefix(bytes: number[]): number[] {
  const out: number[] = [];
  let n = bytes.length;
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return [...out, ...bytes];
}
