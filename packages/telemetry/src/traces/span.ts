/**
 * The span data model every part of the trace pipeline shares: what the OTLP decoders produce, the store
 * persists, the query port returns and the adapters translate Tempo / Jaeger answers into. It mirrors the
 * OTLP `Span` message, flattened: the resource and instrumentation scope travel with each span.
 */

/** OTLP span kind (`SPAN_KIND_*`), lower-cased. */
export type SpanKind = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** OTLP status code (`STATUS_CODE_*`), lower-cased. */
export type SpanStatusCode = 'unset' | 'ok' | 'error';

/**
 * An attribute value (OTLP `AnyValue`). Integers outside the safe range are kept as decimal strings and
 * `bytes_value` as base64 strings, so every value survives JSON (the store's record format) unchanged.
 */
export type AttributeValue =
  string | number | boolean | readonly AttributeValue[] | { readonly [key: string]: AttributeValue };

/** Attribute key → value. Built on null-prototype objects so that keys like `__proto__` are plain data. */
export type Attributes = Readonly<Record<string, AttributeValue>>;

/** A time-stamped annotation of a span. */
export interface SpanEvent {
  readonly timeUnixNano: bigint;
  readonly name: string;
  readonly attributes: Attributes;
}

/** A pointer to another span (same or other trace). */
export interface SpanLink {
  /** 32 lower-case hex digits. */
  readonly traceId: string;
  /** 16 lower-case hex digits. */
  readonly spanId: string;
  readonly traceState?: string;
  readonly attributes: Attributes;
}

/** Final status of a span. */
export interface SpanStatus {
  readonly code: SpanStatusCode;
  readonly message?: string;
}

/** The instrumentation library that produced a span. */
export interface InstrumentationScope {
  readonly name: string;
  readonly version?: string;
}

/** One span with its resource, as stored and returned by a {@link TraceSource}. */
export interface TraceSpan {
  /** 32 lower-case hex digits, never all zero. */
  readonly traceId: string;
  /** 16 lower-case hex digits, never all zero. */
  readonly spanId: string;
  /** Absent for a root span. */
  readonly parentSpanId?: string;
  readonly traceState?: string;
  readonly name: string;
  readonly kind: SpanKind;
  readonly startTimeUnixNano: bigint;
  /** Never before `startTimeUnixNano` (decoders reject such spans). */
  readonly endTimeUnixNano: bigint;
  readonly attributes: Attributes;
  /** Resource attributes; `service.name` names the service. */
  readonly resource: Attributes;
  readonly scope?: InstrumentationScope;
  readonly events: readonly SpanEvent[];
  readonly links: readonly SpanLink[];
  readonly status: SpanStatus;
  /** OTLP span flags (low 8 bits: W3C trace flags). */
  readonly flags: number;
}

/** Service name of spans whose resource has no `service.name` (the OpenTelemetry SDK default prefix). */
export const UNKNOWN_SERVICE = 'unknown_service';

/** The resource attribute that names a span's service. */
export const SERVICE_NAME_ATTRIBUTE = 'service.name';

/** An empty attribute map that is safe to fill with untrusted keys. */
export function newAttributes(): Record<string, AttributeValue> {
  return Object.create(null) as Record<string, AttributeValue>;
}

/** The service a span belongs to: its resource's `service.name`, or {@link UNKNOWN_SERVICE}. */
export function serviceOf(span: Pick<TraceSpan, 'resource'>): string {
  const name = span.resource[SERVICE_NAME_ATTRIBUTE];
  return typeof name === 'string' && name !== '' ? name : UNKNOWN_SERVICE;
}

/** Nanoseconds since the epoch → milliseconds, with microsecond precision (exact below 2^53 µs). */
export function nanosToMs(nanos: bigint): number {
  return Number(nanos / 1000n) / 1000;
}

/** Milliseconds since the epoch → nanoseconds (sub-microsecond fractions dropped). */
export function msToNanos(ms: number): bigint {
  return BigInt(Math.round(ms * 1000)) * 1000n;
}

/** Duration of a span in milliseconds (microsecond precision). */
export function spanDurationMs(span: Pick<TraceSpan, 'startTimeUnixNano' | 'endTimeUnixNano'>): number {
  return nanosToMs(span.endTimeUnixNano - span.startTimeUnixNano);
}

/**
 * The text an attribute filter compares with: strings as they are, numbers and booleans in their JSON form,
 * arrays and maps as JSON. Jaeger and Tempo compare tag values as strings the same way.
 */
export function attributeText(value: AttributeValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Orders spans by start time, then span id (a stable order every backend reproduces). */
export function byStartTime(a: TraceSpan, b: TraceSpan): number {
  return (
    Number(a.startTimeUnixNano - b.startTimeUnixNano) ||
    (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0)
  );
}
