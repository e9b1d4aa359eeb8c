/**
 * Decodes OTLP/JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): lowerCamelCase
 * keys, trace and span ids as hex, 64-bit integers as strings or numbers, enums as integers. It also reads
 * what Tempo's trace-by-id API returns (protobuf JSON from gogo/jsonpb: ids in base64, enums by name,
 * `batches` / `instrumentationLibrarySpans` in older versions), so the Tempo adapter reuses it. Values of
 * the wrong JSON type make the request malformed; unknown keys are ignored.
 */
import {
  MAX_VALUE_DEPTH,
  OtlpDecodeError,
  SPAN_KINDS,
  STATUS_CODES,
  SpanCollector,
  bytesToHex,
  intValueOf,
  parentIdOf,
  spanKindOf,
  statusCodeOf,
  type OtlpDecodeResult,
} from './otlp-common.js';
import {
  newAttributes,
  type AttributeValue,
  type Attributes,
  type InstrumentationScope,
  type SpanEvent,
  type SpanLink,
  type SpanStatus,
} from './span.js';

type Json = Record<string, unknown>;

/** Decodes a parsed OTLP/JSON ExportTraceServiceRequest; throws {@link OtlpDecodeError} when malformed. */
export function decodeOtlpJson(body: unknown): OtlpDecodeResult {
  const request = object(body, 'request');
  return decodeResourceSpansJson(request.resourceSpans ?? request.batches ?? [], 'resourceSpans');
}

/** Decodes a JSON array of OTLP `ResourceSpans` (Tempo's `batches` hold the same). */
export function decodeResourceSpansJson(list: unknown, path = 'resourceSpans'): OtlpDecodeResult {
  const collector = new SpanCollector();
  array(list, path).forEach((item, r) => {
    const resourceSpans = object(item, `${path}[${r}]`);
    const resource = resourceSpans.resource == null ? {} : object(resourceSpans.resource, 'resource');
    const resourceAttributes = attributes(resource.attributes, `${path}[${r}].resource.attributes`);
    const scopes = resourceSpans.scopeSpans ?? resourceSpans.instrumentationLibrarySpans ?? [];
    array(scopes, `${path}[${r}].scopeSpans`).forEach((scopeItem, s) => {
      const at = `${path}[${r}].scopeSpans[${s}]`;
      const scopeSpans = object(scopeItem, at);
      const scope = scopeOf(scopeSpans.scope ?? scopeSpans.instrumentationLibrary, `${at}.scope`);
      array(scopeSpans.spans ?? [], `${at}.spans`).forEach((spanItem, i) => {
        collector.add(decodeSpan(object(spanItem, `${at}.spans[${i}]`), resourceAttributes, scope));
      });
    });
  });
  return collector.result();
}

function decodeSpan(span: Json, resource: Attributes, scope: InstrumentationScope | undefined) {
  const parent = parentIdOf(id(span.parentSpanId, 8, 'parentSpanId'));
  const traceState = string(span.traceState, 'traceState');
  return {
    traceId: id(span.traceId, 16, 'traceId'),
    spanId: id(span.spanId, 8, 'spanId'),
    ...(parent === undefined ? {} : { parentSpanId: parent }),
    ...(traceState === '' ? {} : { traceState }),
    name: string(span.name, 'name'),
    kind:
      span.kind == null ? spanKindOf(0) : spanKindOf(enumValue(span.kind, 'SPAN_KIND_', SPAN_KINDS, 'kind')),
    startTimeUnixNano: uint64(span.startTimeUnixNano, 'startTimeUnixNano'),
    endTimeUnixNano: uint64(span.endTimeUnixNano, 'endTimeUnixNano'),
    attributes: attributes(span.attributes, 'attributes'),
    resource,
    ...(scope === undefined ? {} : { scope }),
    events: array(span.events ?? [], 'events').map((e) => eventOf(object(e, 'event'))),
    links: array(span.links ?? [], 'links').map((l) => linkOf(object(l, 'link'))),
    status: statusOf(span.status),
    flags: span.flags == null ? 0 : Number(uint64(span.flags, 'flags') & 0xffffffffn),
  };
}

function scopeOf(value: unknown, path: string): InstrumentationScope | undefined {
  if (value == null) return undefined;
  const scope = object(value, path);
  const name = string(scope.name, `${path}.name`);
  const version = string(scope.version, `${path}.version`);
  return version === '' ? { name } : { name, version };
}

function eventOf(event: Json): SpanEvent {
  return {
    timeUnixNano: uint64(event.timeUnixNano, 'event.timeUnixNano'),
    name: string(event.name, 'event.name'),
    attributes: attributes(event.attributes, 'event.attributes'),
  };
}

function linkOf(link: Json): SpanLink {
  const traceState = string(link.traceState, 'link.traceState');
  return {
    traceId: id(link.traceId, 16, 'link.traceId'),
    spanId: id(link.spanId, 8, 'link.spanId'),
    ...(traceState === '' ? {} : { traceState }),
    attributes: attributes(link.attributes, 'link.attributes'),
  };
}

function statusOf(value: unknown): SpanStatus {
  if (value == null) return { code: 'unset' };
  const status = object(value, 'status');
  const code = status.code == null ? 0 : enumValue(status.code, 'STATUS_CODE_', STATUS_CODES, 'status.code');
  const message = string(status.message, 'status.message');
  return message === '' ? { code: statusCodeOf(code) } : { code: statusCodeOf(code), message };
}

function attributes(value: unknown, path: string): Attributes {
  const out = newAttributes();
  if (value == null) return out;
  addKeyValues(array(value, path), out, path, 0);
  return out;
}

function addKeyValues(
  list: unknown[],
  into: Record<string, AttributeValue>,
  path: string,
  depth: number,
): void {
  for (const item of list) {
    const kv = object(item, path);
    const v = anyValue(kv.value, `${path}.value`, depth + 1);
    if (v !== undefined) into[string(kv.key, `${path}.key`)] = v;
  }
}

function anyValue(value: unknown, path: string, depth: number): AttributeValue | undefined {
  if (depth > MAX_VALUE_DEPTH) throw new OtlpDecodeError('attribute values nested too deeply');
  if (value == null) return undefined;
  const v = object(value, path);
  if (v.stringValue != null) return string(v.stringValue, path);
  if (v.boolValue != null) {
    if (typeof v.boolValue !== 'boolean') throw new OtlpDecodeError(`${path}.boolValue must be a boolean`);
    return v.boolValue;
  }
  if (v.intValue != null) return intValueOf(int64(v.intValue, `${path}.intValue`));
  if (v.doubleValue != null) return double(v.doubleValue, `${path}.doubleValue`);
  if (v.arrayValue != null) {
    const values = object(v.arrayValue, path).values ?? [];
    return array(values, path).map((item) => anyValue(item, path, depth + 1) ?? '');
  }
  if (v.kvlistValue != null) {
    const map = newAttributes();
    addKeyValues(array(object(v.kvlistValue, path).values ?? [], path), map, path, depth);
    return map;
  }
  if (v.bytesValue != null) return string(v.bytesValue, path);
  return undefined;
}

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OtlpDecodeError(`${path} must be an object`);
  }
  return value as Json;
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new OtlpDecodeError(`${path} must be an array`);
  return value;
}

function string(value: unknown, path: string): string {
  if (value == null) return '';
  if (typeof value !== 'string') throw new OtlpDecodeError(`${path} must be a string`);
  return value;
}

const DECIMAL = /^-?\d{1,20}$/;

function int64(value: unknown, path: string): bigint {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && DECIMAL.test(value)) {
    const n = BigInt(value);
    if (n === BigInt.asIntN(64, n)) return n;
  }
  throw new OtlpDecodeError(`${path} must be a 64-bit integer (number or decimal string)`);
}

function uint64(value: unknown, path: string): bigint {
  if (value == null) return 0n;
  const n = typeof value === 'string' && DECIMAL.test(value) ? BigInt(value) : int64(value, path);
  if (n < 0n || n !== BigInt.asUintN(64, n))
    throw new OtlpDecodeError(`${path} must be an unsigned 64-bit integer`);
  return n;
}

function double(value: unknown, path: string): number {
  if (typeof value === 'number') return value;
  // Protobuf JSON writes non-finite doubles as strings; decimal strings are accepted as well.
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  if (value === 'NaN') return NaN;
  throw new OtlpDecodeError(`${path} must be a number`);
}

function enumValue(value: unknown, prefix: string, names: readonly string[], path: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string') {
    const index = names.indexOf(value.startsWith(prefix) ? value.slice(prefix.length).toLowerCase() : '');
    // Unknown enum names, like unknown numbers, read as the default value.
    return index === -1 ? 0 : index;
  }
  throw new OtlpDecodeError(`${path} must be an enum number or name`);
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * A trace or span id (`bytes` long) as lower-case hex. OTLP/JSON sends hex; protobuf JSON (Tempo) sends
 * base64 — told apart by length, since the two encodings of the same size never have the same length.
 * Anything else is returned as is, for the validity check to reject the span.
 */
function id(value: unknown, bytes: 8 | 16, path: string): string {
  const text = string(value, path);
  if (text.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(text)) return text.toLowerCase();
  if (text.length === Math.ceil(bytes / 3) * 4 && BASE64.test(text)) {
    const decoded = Buffer.from(text, 'base64');
    if (decoded.length === bytes) return bytesToHex(decoded);
  }
  return text.toLowerCase();
}
