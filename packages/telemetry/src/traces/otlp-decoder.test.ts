import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { OtlpDecodeError, SPAN_KINDS } from './otlp-common.js';
import { decodeOtlpJson } from './otlp-json-decoder.js';
import { decodeOtlpProtobuf } from './otlp-proto-decoder.js';
import type { TraceSpan } from './span.js';
import { childContext, createSdkRecorder, hrTime, hrToNanos } from './testing/sdk-spans.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

/** A small checkout trace from three services, with every field kind the decoders handle. */
function recordSpans(): ReadableSpan[] {
  const sdk = createSdkRecorder();
  const gateway = sdk.tracer('gateway', { 'service.version': '1.4.0', 'service.instance.id': 'gw-1' });
  const checkout = sdk.tracer('checkout');
  const root = gateway.startSpan('POST /checkout', {
    kind: SpanKind.SERVER,
    startTime: hrTime(T0, 123),
    attributes: { 'http.route': '/checkout', 'http.response.status_code': 201, ratio: 0.25, retried: false },
  });
  const client = gateway.startSpan(
    'POST',
    {
      kind: SpanKind.CLIENT,
      startTime: hrTime(T0 + 1, 7),
      attributes: { 'server.address': 'checkout', tags: ['a', 'b'], counts: [1, 2, 3] },
    },
    childContext(root),
  );
  const server = checkout.startSpan(
    'POST /orders',
    { kind: SpanKind.SERVER, startTime: hrTime(T0 + 2), links: [{ context: root.spanContext() }] },
    childContext(client),
  );
  server.addEvent('exception', { 'exception.message': 'boom' }, hrTime(T0 + 3, 5));
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'payment declined' });
  server.end(hrTime(T0 + 20, 999));
  client.setStatus({ code: SpanStatusCode.OK });
  client.end(hrTime(T0 + 21));
  const producer = checkout.startSpan(
    'orders publish',
    {
      kind: SpanKind.PRODUCER,
      startTime: hrTime(T0 + 22),
      attributes: { 'messaging.destination.name': 'orders' },
    },
    childContext(root),
  );
  producer.end(hrTime(T0 + 23));
  root.end(hrTime(T0 + 30));
  return sdk.spans();
}

function expectSameSpans(decoded: TraceSpan[], spans: ReadableSpan[]): void {
  expect(decoded).toHaveLength(spans.length);
  for (const sdkSpan of spans) {
    const ctx = sdkSpan.spanContext();
    const span = decoded.find((s) => s.spanId === ctx.spanId);
    expect(span, ctx.spanId).toBeDefined();
    expect(span!.traceId).toBe(ctx.traceId);
    expect(span!.parentSpanId).toBe(sdkSpan.parentSpanContext?.spanId);
    expect(span!.name).toBe(sdkSpan.name);
    expect(span!.kind).toBe(SPAN_KINDS[sdkSpan.kind + 1]);
    expect(span!.startTimeUnixNano).toBe(hrToNanos(sdkSpan.startTime));
    expect(span!.endTimeUnixNano).toBe(hrToNanos(sdkSpan.endTime));
    expect({ ...span!.attributes }).toEqual(sdkSpan.attributes);
    expect({ ...span!.resource }).toEqual(sdkSpan.resource.attributes);
    expect(span!.scope).toEqual({ name: 'opsloop-test', version: '1.2.3' });
    expect(span!.status.code).toBe(['unset', 'ok', 'error'][sdkSpan.status.code]);
    expect(span!.status.message).toBe(sdkSpan.status.message || undefined);
    expect(span!.flags & 0xff).toBe(ctx.traceFlags);
    expect(span!.events.map((e) => [e.name, e.timeUnixNano, { ...e.attributes }])).toEqual(
      sdkSpan.events.map((e) => [e.name, hrToNanos(e.time), e.attributes ?? {}]),
    );
    expect(span!.links.map((l) => [l.traceId, l.spanId])).toEqual(
      sdkSpan.links.map((l) => [l.context.traceId, l.context.spanId]),
    );
  }
}

describe('OTLP decoders: round trips through the official serializers', () => {
  const spans = recordSpans();

  it('decodes protobuf (ProtobufTraceSerializer) to the same ids, names, times and attributes', () => {
    const body = ProtobufTraceSerializer.serializeRequest(spans)!;
    const result = decodeOtlpProtobuf(body);
    expect(result.rejected).toBe(0);
    expectSameSpans(result.spans, spans);
  });

  it('decodes OTLP/JSON (JsonTraceSerializer) to the same spans', () => {
    const body = JsonTraceSerializer.serializeRequest(spans)!;
    const result = decodeOtlpJson(JSON.parse(new TextDecoder().decode(body)));
    expect(result.rejected).toBe(0);
    expectSameSpans(result.spans, spans);
  });

  it('the two encodings decode to equal spans', () => {
    const fromProto = decodeOtlpProtobuf(ProtobufTraceSerializer.serializeRequest(spans)!).spans;
    const fromJson = decodeOtlpJson(
      JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans))),
    );
    expect(fromJson.spans).toEqual(fromProto);
  });
});

describe('OTLP/JSON decoder details', () => {
  const span = (fields: Record<string, unknown>) => ({
    resourceSpans: [
      {
        scopeSpans: [
          { spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', ...fields }] },
        ],
      },
    ],
  });

  it('reads int64 as strings or numbers and enums as numbers or names', () => {
    const { spans } = decodeOtlpJson(
      span({
        kind: 'SPAN_KIND_CONSUMER',
        startTimeUnixNano: '1700000000000000001',
        endTimeUnixNano: 1700000000000,
        status: { code: 2 },
        attributes: [
          { key: 'big', value: { intValue: '9223372036854775807' } },
          { key: 'small', value: { intValue: -5 } },
          { key: 'inf', value: { doubleValue: 'Infinity' } },
          {
            key: 'map',
            value: { kvlistValue: { values: [{ key: '__proto__', value: { stringValue: 'x' } }] } },
          },
        ],
      }),
    );
    expect(spans).toHaveLength(0); // end before start: rejected
    const ok = decodeOtlpJson(
      span({ kind: 5, startTimeUnixNano: '10', endTimeUnixNano: '20', status: { code: 'STATUS_CODE_OK' } }),
    );
    expect(ok.spans[0]!.kind).toBe('consumer');
    expect(ok.spans[0]!.status.code).toBe('ok');
    const attrs = decodeOtlpJson(
      span({
        attributes: [
          { key: 'big', value: { intValue: '9223372036854775807' } },
          { key: 'small', value: { intValue: -5 } },
          { key: 'inf', value: { doubleValue: 'Infinity' } },
          {
            key: 'map',
            value: { kvlistValue: { values: [{ key: '__proto__', value: { stringValue: 'x' } }] } },
          },
        ],
      }),
    ).spans[0]!.attributes;
    expect(attrs.big).toBe('9223372036854775807');
    expect(attrs.small).toBe(-5);
    expect(attrs.inf).toBe(Infinity);
    expect(Object.keys(attrs.map as object)).toEqual(['__proto__']);
  });

  it('accepts base64 ids (protobuf JSON, as Tempo returns them)', () => {
    const traceId = Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex').toString('base64');
    const spanId = Buffer.from('b7ad6b7169203331', 'hex').toString('base64');
    const { spans } = decodeOtlpJson({ batches: [{ scopeSpans: [{ spans: [{ traceId, spanId }] }] }] });
    expect(spans[0]!.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(spans[0]!.spanId).toBe('b7ad6b7169203331');
  });

  it('rejects invalid spans (partial success) and fails malformed requests', () => {
    const rejected = decodeOtlpJson(span({ spanId: '0000000000000000' }));
    expect(rejected.rejected).toBe(1);
    expect(rejected.rejectReason).toMatch(/span_id/);
    expect(() => decodeOtlpJson({ resourceSpans: {} })).toThrow(OtlpDecodeError);
    expect(() => decodeOtlpJson(span({ name: 5 }))).toThrow(OtlpDecodeError);
    expect(() => decodeOtlpJson(span({ startTimeUnixNano: '-1' }))).toThrow(OtlpDecodeError);
    expect(() => decodeOtlpJson(null)).toThrow(OtlpDecodeError);
  });
});
