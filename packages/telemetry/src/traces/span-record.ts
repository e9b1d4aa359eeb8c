/**
 * The payload of one store record: a span as JSON (times as decimal strings, since JSON has no 64-bit
 * integers) plus the time it was received, which retention goes by.
 */
import type { AttributeValue, SpanEvent, TraceSpan } from './span.js';

interface EventRecord extends Omit<SpanEvent, 'timeUnixNano'> {
  readonly timeUnixNano: string;
}

interface SpanRecordJson extends Omit<TraceSpan, 'startTimeUnixNano' | 'endTimeUnixNano' | 'events'> {
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly events: readonly EventRecord[];
}

/** A decoded record. */
export interface SpanRecord {
  /** When the store received the span, ms since the epoch. */
  readonly receivedMs: number;
  readonly span: TraceSpan;
}

/** Encodes a span record. */
export function encodeSpanRecord(span: TraceSpan, receivedMs: number): Buffer {
  const json: SpanRecordJson = {
    ...span,
    startTimeUnixNano: span.startTimeUnixNano.toString(),
    endTimeUnixNano: span.endTimeUnixNano.toString(),
    events: span.events.map((e) => ({ ...e, timeUnixNano: e.timeUnixNano.toString() })),
  };
  // A replacer slows JSON.stringify several times over: only spans that need it pay for it.
  const record = { r: receivedMs, s: json };
  return Buffer.from(hasNonFinite(span) ? JSON.stringify(record, keepNonFinite) : JSON.stringify(record));
}

// JSON has no NaN or ±Infinity; double attributes holding them are written as {"$double": "NaN"}.
const NON_FINITE_KEY = '$double';

function valueHasNonFinite(value: AttributeValue): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (typeof value !== 'object') return false;
  return (Array.isArray(value) ? value : Object.values(value)).some(valueHasNonFinite);
}

function hasNonFinite(span: TraceSpan): boolean {
  const maps = [
    span.attributes,
    span.resource,
    ...span.events.map((e) => e.attributes),
    ...span.links.map((l) => l.attributes),
  ];
  return maps.some((map) => Object.values(map).some(valueHasNonFinite));
}

function keepNonFinite(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? { [NON_FINITE_KEY]: String(value) } : value;
}

function reviveNonFinite(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const text = (value as Record<string, unknown>)[NON_FINITE_KEY];
    if (keys.length === 1 && (text === 'NaN' || text === 'Infinity' || text === '-Infinity'))
      return Number(text);
  }
  return value;
}

/** Decodes a span record; throws when the payload is not one (a record the store did not write). */
export function decodeSpanRecord(payload: Uint8Array): SpanRecord {
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString();
  const parsed = (
    text.includes(`"${NON_FINITE_KEY}"`) ? JSON.parse(text, reviveNonFinite) : JSON.parse(text)
  ) as {
    r: number;
    s: SpanRecordJson;
  };
  const json = parsed.s;
  if (typeof parsed.r !== 'number' || typeof json.traceId !== 'string' || typeof json.spanId !== 'string') {
    throw new TypeError('not a span record');
  }
  return {
    receivedMs: parsed.r,
    span: {
      ...json,
      startTimeUnixNano: BigInt(json.startTimeUnixNano),
      endTimeUnixNano: BigInt(json.endTimeUnixNano),
      events: json.events.map((e) => ({ ...e, timeUnixNano: BigInt(e.timeUnixNano) })),
    },
  };
}
