/**
 * What the protobuf and JSON OTLP decoders share: the decode result, the malformed-request error, span-kind
 * and status mappings, id encoding and the per-span validity rules that turn a bad span into a rejected one
 * (partial success) instead of a failed request.
 */
import type { SpanKind, SpanStatusCode, TraceSpan } from './span.js';

/** The request body is not a decodable ExportTraceServiceRequest: the whole request is refused (400). */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}

/** The spans of one export request. */
export interface OtlpDecodeResult {
  /** Valid spans, in request order. */
  readonly spans: TraceSpan[];
  /** Spans dropped as invalid (bad ids, end before start); reported back as partial success. */
  readonly rejected: number;
  /** Why the first rejected span was rejected (the response's `error_message`). */
  readonly rejectReason?: string;
}

/** OTLP `SpanKind` enum values, by number. */
export const SPAN_KINDS: readonly SpanKind[] = [
  'unspecified',
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
];

/** OTLP `StatusCode` enum values, by number. */
export const STATUS_CODES: readonly SpanStatusCode[] = ['unset', 'ok', 'error'];

/** The span kind of an OTLP enum number; unknown values (open enums) read as `unspecified`. */
export function spanKindOf(value: number): SpanKind {
  return SPAN_KINDS[value] ?? 'unspecified';
}

/** The status code of an OTLP enum number; unknown values read as `unset`. */
export function statusCodeOf(value: number): SpanStatusCode {
  return STATUS_CODES[value] ?? 'unset';
}

/** Maximum nesting of array / kvlist attribute values (deeper input is malformed, not a stack overflow). */
export const MAX_VALUE_DEPTH = 32;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Bytes → lower-case hex. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += HEX[byte]!;
  return out;
}

/** Whether `hex` is `length` hex digits and not all zero (OTLP's validity rule for ids). */
export function isValidId(hex: string, length: 16 | 32): boolean {
  return hex.length === length && /^[0-9a-f]+$/.test(hex) && /[1-9a-f]/.test(hex);
}

/**
 * Checks the span rules that make one span invalid without making the request malformed; returns the
 * reason, or undefined when the span is valid.
 */
export function invalidSpanReason(span: {
  traceId: string;
  spanId: string;
  parentSpanId?: string | undefined;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
}): string | undefined {
  if (!isValidId(span.traceId, 32)) return 'trace_id must be 16 bytes and not all zero';
  if (!isValidId(span.spanId, 16)) return 'span_id must be 8 bytes and not all zero';
  if (span.parentSpanId !== undefined && !isValidId(span.parentSpanId, 16)) {
    return 'parent_span_id must be empty or 8 bytes';
  }
  if (span.endTimeUnixNano < span.startTimeUnixNano)
    return 'end_time_unix_nano is before start_time_unix_nano';
  return undefined;
}

/** Collects decoded spans and rejections. */
export class SpanCollector {
  readonly spans: TraceSpan[] = [];
  rejected = 0;
  rejectReason: string | undefined;

  /** Adds `span` when valid, else counts it as rejected. */
  add(span: TraceSpan): void {
    const reason = invalidSpanReason(span);
    if (reason === undefined) {
      this.spans.push(span);
      return;
    }
    this.rejected++;
    this.rejectReason ??= `${reason} (span ${span.spanId || '(empty)'})`;
  }

  /** The decode result. */
  result(): OtlpDecodeResult {
    return this.rejectReason === undefined
      ? { spans: this.spans, rejected: this.rejected }
      : { spans: this.spans, rejected: this.rejected, rejectReason: this.rejectReason };
  }
}

/**
 * A parent span id as decoded: empty or all-zero means "root" (some SDKs send 8 zero bytes); anything else
 * is kept as is for {@link invalidSpanReason} to judge.
 */
export function parentIdOf(hex: string): string | undefined {
  return hex === '' || /^0+$/.test(hex) ? undefined : hex;
}

/** An integer attribute value: a number when it is exact, else its decimal string (see AttributeValue). */
export function intValueOf(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value.toString();
}
