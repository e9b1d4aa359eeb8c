import type { ConsumerMetrics } from './consumer-metrics.js';
import { BusError } from './bus-error.js';
import type { Delivery, EventEnvelope, SubscribeOptions } from './event-bus.js';

/** Stream and group names: a lowercase letter, then up to 62 lowercase letters, digits or `-`. */
export const NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;

/** Suffix of a dead-letter stream: the dead letters of `orders` go to `orders.dlq`. */
export const DEAD_LETTER_SUFFIX = '.dlq';

/** Largest event, as UTF-8 JSON of the whole envelope: 1 MiB. */
export const MAX_EVENT_BYTES = 1024 * 1024;

/** Shortest publish dedupe window the adapters keep (NATS `duplicate_window`, broker's id index): 2 min. */
export const DEFAULT_DEDUPE_WINDOW_MS = 120_000;

const EVENT_ID = /^[\x21-\x7e]{1,128}$/;
const EVENT_TYPE = /^[\x21-\x7e]{1,256}$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;
const RESERVED_HEADER = /^(?:nats-|opsloop-)/i;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const MAX_HEADERS = 64;
const MAX_HEADER_VALUE = 4096;
const MAX_KEY = 256;
const MAX_DELAY_MS = 24 * 60 * 60 * 1000;

/** The dead-letter stream of `stream`. */
export function deadLetterStreamOf(stream: string): string {
  return `${stream}${DEAD_LETTER_SUFFIX}`;
}

/** Whether `stream` is a dead-letter stream (it has no dead-letter stream of its own). */
export function isDeadLetterStream(stream: string): boolean {
  return stream.endsWith(DEAD_LETTER_SUFFIX);
}

function describe(value: unknown): string {
  if (typeof value !== 'string') return typeof value;
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/** Throws `invalid-argument` unless `stream` is a valid stream name (`name` or `name.dlq`). */
export function assertStreamName(stream: unknown): asserts stream is string {
  const base =
    typeof stream === 'string' && isDeadLetterStream(stream)
      ? stream.slice(0, -DEAD_LETTER_SUFFIX.length)
      : stream;
  if (typeof base !== 'string' || !NAME_PATTERN.test(base)) {
    throw new BusError(
      'invalid-argument',
      `invalid stream name ${describe(stream)}: expected ${NAME_PATTERN.source}, optionally followed by ${DEAD_LETTER_SUFFIX}`,
    );
  }
}

/** Throws `invalid-argument` unless `group` is a valid consumer group name. */
export function assertGroupName(group: unknown): asserts group is string {
  if (typeof group !== 'string' || !NAME_PATTERN.test(group)) {
    throw new BusError(
      'invalid-argument',
      `invalid group name ${describe(group)}: expected ${NAME_PATTERN.source}`,
    );
  }
}

function invalid(message: string): never {
  throw new BusError('invalid-event', `invalid event: ${message}`);
}

function checkText(field: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max)
    invalid(`${field} must be a string of 1-${max} characters (got ${describe(value)})`);
  if (CONTROL.test(value) || value.trim() !== value)
    invalid(`${field} must not contain control characters or leading/trailing spaces`);
  return value;
}

/** An event that passed validation, with its encodings (computed once, reused by the adapters). */
export interface EncodedEvent {
  /** The envelope with only the known fields. */
  envelope: EventEnvelope;
  /** JSON of `data`. */
  dataJson: string;
  /** JSON of the whole envelope, `data` included. */
  json: string;
  /** UTF-8 size of `json`. */
  bytes: number;
}

/**
 * Validates an event envelope and encodes it. Throws `invalid-event` naming the bad field, or
 * `event-too-large` when the JSON of the envelope exceeds {@link MAX_EVENT_BYTES}.
 */
export function encodeEvent(event: unknown): EncodedEvent {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) invalid('expected an object');
  const candidate = event as Partial<Record<keyof EventEnvelope, unknown>>;
  const id = candidate.id;
  if (typeof id !== 'string' || !EVENT_ID.test(id))
    invalid(`id must be 1-128 printable ASCII characters without spaces (got ${describe(id)})`);
  const type = candidate.type;
  if (typeof type !== 'string' || !EVENT_TYPE.test(type))
    invalid(`type must be 1-256 printable ASCII characters without spaces (got ${describe(type)})`);
  const key = checkText('key', candidate.key, MAX_KEY);
  const time = candidate.time;
  if (typeof time !== 'string' || !RFC3339.test(time) || Number.isNaN(Date.parse(time)))
    invalid(`time must be an RFC 3339 timestamp such as 2025-01-31T12:00:00.000Z (got ${describe(time)})`);
  let headers: Record<string, string> | undefined;
  if (candidate.headers !== undefined) {
    const raw = candidate.headers;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      invalid('headers must be an object of strings');
    const entries = Object.entries(raw);
    if (entries.length > MAX_HEADERS) invalid(`at most ${MAX_HEADERS} headers`);
    headers = {};
    for (const [name, value] of entries) {
      if (!HEADER_NAME.test(name)) invalid(`header name ${describe(name)} is not a token`);
      if (RESERVED_HEADER.test(name))
        invalid(`header name ${describe(name)} is reserved (nats-*, opsloop-*)`);
      if (typeof value !== 'string' || value.length > MAX_HEADER_VALUE)
        invalid(`header ${name} must be a string of at most ${MAX_HEADER_VALUE} characters`);
      if (CONTROL.test(value) || value.trim() !== value)
        invalid(`header ${name} must not contain control characters or leading/trailing spaces`);
      headers[name] = value;
    }
  }
  let dataJson: string | undefined;
  try {
    dataJson = JSON.stringify(candidate.data);
  } catch (error) {
    invalid(`data is not JSON-serialisable: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (dataJson === undefined)
    invalid('data is missing or not JSON-serialisable (undefined, function, symbol)');
  const envelope: EventEnvelope = {
    id,
    type,
    key,
    time,
    data: candidate.data,
    ...(headers === undefined ? {} : { headers }),
  };
  const head = JSON.stringify({ id, type, key, time });
  const json = `${head.slice(0, -1)},"data":${dataJson}${headers === undefined ? '' : `,"headers":${JSON.stringify(headers)}`}}`;
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_EVENT_BYTES) {
    throw new BusError(
      'event-too-large',
      `event ${id} is ${bytes} bytes as JSON; the limit is ${MAX_EVENT_BYTES} bytes (1 MiB)`,
    );
  }
  return { envelope, dataJson, json, bytes };
}

/** Subscribe options with defaults applied. */
export interface ResolvedSubscribeOptions<T> {
  stream: string;
  group: string;
  handler: (delivery: Delivery<T>) => Promise<void>;
  maxDeliver: number;
  backoffMs: readonly number[];
  ackWaitMs: number;
  /** The bus's consumer metrics (set by the adapter when it was given a registry). */
  metrics?: ConsumerMetrics;
}

function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new BusError(
      'invalid-argument',
      `${name} must be an integer from ${min} to ${max} (got ${describe(value)})`,
    );
  return value;
}

/** Validates subscribe options and applies the defaults; throws `invalid-argument`. */
export function resolveSubscribeOptions<T>(options: SubscribeOptions<T>): ResolvedSubscribeOptions<T> {
  assertStreamName(options.stream);
  assertGroupName(options.group);
  if (typeof options.handler !== 'function')
    throw new BusError('invalid-argument', 'handler must be a function');
  const maxDeliver = checkInteger('maxDeliver', options.maxDeliver ?? 5, 1, 1000);
  const backoffMs = options.backoffMs ?? [1000, 5000, 30000];
  if (!Array.isArray(backoffMs) || backoffMs.length === 0 || backoffMs.length > 100)
    throw new BusError('invalid-argument', 'backoffMs must be a list of 1-100 delays');
  backoffMs.forEach((delay, i) => checkInteger(`backoffMs[${i}]`, delay, 0, MAX_DELAY_MS));
  const ackWaitMs = checkInteger('ackWaitMs', options.ackWaitMs ?? 30_000, 1, MAX_DELAY_MS);
  return {
    stream: options.stream,
    group: options.group,
    handler: options.handler,
    maxDeliver,
    backoffMs: [...backoffMs],
    ackWaitMs,
  };
}

/** The delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed. */
export function backoffDelay(attempt: number, backoffMs: readonly number[]): number {
  const index = Math.min(Math.max(attempt, 1), backoffMs.length) - 1;
  return backoffMs[index] ?? 0;
}
