/**
 * Decodes an OTLP/HTTP protobuf body (`ExportTraceServiceRequest`) into {@link TraceSpan}s. Field numbers
 * follow opentelemetry-proto: collector/trace/v1/trace_service.proto, trace/v1/trace.proto,
 * common/v1/common.proto and resource/v1/resource.proto. Unknown fields are skipped; a known field with the
 * wrong wire type, a truncated field or invalid UTF-8 makes the request malformed.
 */
import {
  MAX_VALUE_DEPTH,
  OtlpDecodeError,
  SpanCollector,
  bytesToHex,
  intValueOf,
  parentIdOf,
  spanKindOf,
  statusCodeOf,
  type OtlpDecodeResult,
} from './otlp-common.js';
import { ProtobufDecodeError, ProtobufReader, WireType, type FieldTag } from './protobuf-reader.js';
import {
  newAttributes,
  type AttributeValue,
  type Attributes,
  type InstrumentationScope,
  type SpanEvent,
  type SpanKind,
  type SpanLink,
  type SpanStatus,
  type TraceSpan,
} from './span.js';

const { varint: VARINT, fixed64: FIXED64, lengthDelimited: LEN, fixed32: FIXED32 } = WireType;

/** Decodes a protobuf ExportTraceServiceRequest; throws {@link OtlpDecodeError} when it is malformed. */
export function decodeOtlpProtobuf(body: Uint8Array): OtlpDecodeResult {
  const collector = new SpanCollector();
  try {
    const reader = new ProtobufReader(body);
    while (!reader.done) {
      const tag = reader.tag();
      if (tag.field === 1) readResourceSpans(field(reader, tag, LEN).message(), collector);
      else reader.skip(tag.wireType);
    }
  } catch (error) {
    if (error instanceof ProtobufDecodeError) throw new OtlpDecodeError(error.message, { cause: error });
    throw error;
  }
  return collector.result();
}

function field(reader: ProtobufReader, tag: FieldTag, wireType: number): ProtobufReader {
  reader.expect(tag, wireType);
  return reader;
}

function readResourceSpans(reader: ProtobufReader, collector: SpanCollector): void {
  let resource: Attributes = newAttributes();
  const scopes: ProtobufReader[] = [];
  while (!reader.done) {
    const tag = reader.tag();
    if (tag.field === 1) resource = readResource(field(reader, tag, LEN).message());
    else if (tag.field === 2) scopes.push(field(reader, tag, LEN).message());
    else reader.skip(tag.wireType);
  }
  // The resource may follow the scope spans on the wire; spans are decoded once it is known.
  for (const scope of scopes) readScopeSpans(scope, resource, collector);
}

function readResource(reader: ProtobufReader): Attributes {
  const attributes = newAttributes();
  while (!reader.done) {
    const tag = reader.tag();
    if (tag.field === 1) readKeyValue(field(reader, tag, LEN).message(), attributes, 0);
    else reader.skip(tag.wireType);
  }
  return attributes;
}

function readScopeSpans(reader: ProtobufReader, resource: Attributes, collector: SpanCollector): void {
  let scope: InstrumentationScope | undefined;
  const spans: ProtobufReader[] = [];
  while (!reader.done) {
    const tag = reader.tag();
    if (tag.field === 1) scope = readScope(field(reader, tag, LEN).message());
    else if (tag.field === 2) spans.push(field(reader, tag, LEN).message());
    else reader.skip(tag.wireType);
  }
  for (const span of spans) collector.add(readSpan(span, resource, scope));
}

function readScope(reader: ProtobufReader): InstrumentationScope {
  let name = '';
  let version = '';
  while (!reader.done) {
    const tag = reader.tag();
    if (tag.field === 1) name = field(reader, tag, LEN).string();
    else if (tag.field === 2) version = field(reader, tag, LEN).string();
    else reader.skip(tag.wireType);
  }
  return version === '' ? { name } : { name, version };
}

function readSpan(
  reader: ProtobufReader,
  resource: Attributes,
  scope: InstrumentationScope | undefined,
): TraceSpan {
  let traceId = '';
  let spanId = '';
  let parentSpanId = '';
  let traceState = '';
  let name = '';
  let kind: SpanKind = 'unspecified';
  let start = 0n;
  let end = 0n;
  let flags = 0;
  let status: SpanStatus = { code: 'unset' };
  const attributes = newAttributes();
  const events: SpanEvent[] = [];
  const links: SpanLink[] = [];
  while (!reader.done) {
    const tag = reader.tag();
    switch (tag.field) {
      case 1:
        traceId = bytesToHex(field(reader, tag, LEN).bytes());
        break;
      case 2:
        spanId = bytesToHex(field(reader, tag, LEN).bytes());
        break;
      case 3:
        traceState = field(reader, tag, LEN).string();
        break;
      case 4:
        parentSpanId = bytesToHex(field(reader, tag, LEN).bytes());
        break;
      case 5:
        name = field(reader, tag, LEN).string();
        break;
      case 6:
        kind = spanKindOf(field(reader, tag, VARINT).varint());
        break;
      case 7:
        start = field(reader, tag, FIXED64).fixed64();
        break;
      case 8:
        end = field(reader, tag, FIXED64).fixed64();
        break;
      case 9:
        readKeyValue(field(reader, tag, LEN).message(), attributes, 0);
        break;
      case 11:
        events.push(readEvent(field(reader, tag, LEN).message()));
        break;
      case 13:
        links.push(readLink(field(reader, tag, LEN).message()));
        break;
      case 15:
        status = readStatus(field(reader, tag, LEN).message());
        break;
      case 16:
        flags = field(reader, tag, FIXED32).fixed32();
        break;
      default:
        reader.skip(tag.wireType);
    }
  }
  const parent = parentIdOf(parentSpanId);
  return {
    traceId,
    spanId,
    ...(parent === undefined ? {} : { parentSpanId: parent }),
    ...(traceState === '' ? {} : { traceState }),
    name,
    kind,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes,
    resource,
    ...(scope === undefined ? {} : { scope }),
    events,
    links,
    status,
    flags,
  };
}

function readEvent(reader: ProtobufReader): SpanEvent {
  let time = 0n;
  let name = '';
  const attributes = newAttributes();
  while (!reader.done) {
    const tag = reader.tag();
    if (tag.field === 1) time = field(reader, tag, FIXED64).fixed64();
    else if (tag.field === 2) name = field(reader, tag, LEN).string();
    else if (tag.field === 3) readKeyValue(field(reader, tag, LEN).message(), attributes, 0);
    else reader.skip(tag.wireType);
  }
  return { timeUnixNano: time, name, attributes };
}

function readLink(reader: ProtobufReader): SpanLink {
  let traceId = '';
  let spanId = '';
  let traceState = '';
  const attributes = newAttributes();
  while (!reader.done) {
    const tag = reader.tag();
    if (tag.field === 1) traceId = bytesToHex(field(reader, tag, LEN).bytes());
    else if (tag.field === 2) spanId = bytesToHex(field(reader, tag, LEN).bytes());
    else if (tag.field === 3) traceState = field(reader, tag, LEN).string();
    else if (tag.field === 4) readKeyValue(field(reader, tag, LEN).message(), attributes, 0);
    else reader.skip(tag.wireType);
  }
  return traceState === '' ? { traceId, spanId, attributes } : { traceId, spanId, traceState, attributes };
}

function readStatus(reader: ProtobufReader): SpanStatus {
  let message = '';
  let code = 0;
  while (!reader.done) {
    const tag = reader.tag();
    if (tag.field === 2) message = field(reader, tag, LEN).string();
    else if (tag.field === 3) code = field(reader, tag, VARINT).varint();
    else reader.skip(tag.wireType);
  }
  const statusCode = statusCodeOf(code);
  return message === '' ? { code: statusCode } : { code: statusCode, message };
}

function readKeyValue(reader: ProtobufReader, into: Record<string, AttributeValue>, depth: number): void {
  let key = '';
  let value: AttributeValue | undefined;
  while (!reader.done) {
    const tag = reader.tag();
    if (tag.field === 1) key = field(reader, tag, LEN).string();
    else if (tag.field === 2) value = readAnyValue(field(reader, tag, LEN).message(), depth + 1);
    else reader.skip(tag.wireType);
  }
  // An empty AnyValue carries no value: the attribute is dropped, as the SDKs drop null/undefined.
  if (value !== undefined) into[key] = value;
}

function readAnyValue(reader: ProtobufReader, depth: number): AttributeValue | undefined {
  if (depth > MAX_VALUE_DEPTH) throw new ProtobufDecodeError('attribute values nested too deeply');
  let value: AttributeValue | undefined;
  while (!reader.done) {
    const tag = reader.tag();
    switch (tag.field) {
      case 1:
        value = field(reader, tag, LEN).string();
        break;
      case 2:
        value = field(reader, tag, VARINT).varint() !== 0;
        break;
      case 3:
        value = intValueOf(field(reader, tag, VARINT).int64());
        break;
      case 4:
        value = field(reader, tag, FIXED64).double();
        break;
      case 5:
        value = readArray(field(reader, tag, LEN).message(), depth);
        break;
      case 6: {
        const map = newAttributes();
        const list = field(reader, tag, LEN).message();
        while (!list.done) {
          const entry = list.tag();
          if (entry.field === 1) readKeyValue(field(list, entry, LEN).message(), map, depth);
          else list.skip(entry.wireType);
        }
        value = map;
        break;
      }
      case 7:
        value = Buffer.from(field(reader, tag, LEN).bytes()).toString('base64');
        break;
      default:
        reader.skip(tag.wireType);
    }
  }
  return value;
}

function readArray(reader: ProtobufReader, depth: number): AttributeValue[] {
  const values: AttributeValue[] = [];
  while (!reader.done) {
    const tag = reader.tag();
    if (tag.field === 1) {
      const value = readAnyValue(field(reader, tag, LEN).message(), depth + 1);
      // An empty element keeps its slot, as null does in the SDK's arrays.
      values.push(value ?? '');
    } else reader.skip(tag.wireType);
  }
  return values;
}
