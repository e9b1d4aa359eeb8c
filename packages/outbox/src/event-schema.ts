import { BusError, MAX_EVENT_BYTES, NAME_PATTERN, type EventEnvelope } from '@opsloop/bus';
import { z } from 'zod';

// The bus's own rules (packages/bus README, "Validation"), checked when the event is enqueued so that a bad
// event fails the caller's transaction instead of blocking its key in the outbox.
const EVENT_ID = /^[\x21-\x7e]{1,128}$/;
const EVENT_TYPE = /^[\x21-\x7e]{1,256}$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;
const RESERVED_HEADER = /^(?:nats-|opsloop-)/i;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

const cleanText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !CONTROL.test(value) && value.trim() === value, {
      message: 'must not contain control characters or leading/trailing spaces',
    });

/** The zod schema of an {@link EventEnvelope} as the bus accepts it (data is checked separately). */
export const eventEnvelopeSchema = z.object({
  id: z.string().regex(EVENT_ID, 'must be 1-128 printable ASCII characters without spaces'),
  type: z.string().regex(EVENT_TYPE, 'must be 1-256 printable ASCII characters without spaces'),
  key: cleanText(256),
  time: z
    .string()
    .regex(RFC3339, 'must be an RFC 3339 timestamp such as 2025-01-31T12:00:00.000Z')
    .refine((value) => !Number.isNaN(Date.parse(value)), { message: 'must be a valid date' }),
  data: z.unknown(),
  headers: z
    .record(
      z
        .string()
        .regex(HEADER_NAME, 'header names must be HTTP tokens')
        .refine((name) => !RESERVED_HEADER.test(name), {
          message: 'header name is reserved (nats-*, opsloop-*)',
        }),
      cleanText(4096).or(z.literal('')),
    )
    .refine((headers) => Object.keys(headers).length <= 64, { message: 'at most 64 headers' })
    .optional(),
});

/** An event checked by {@link validateEvent}, with the JSON of its parts. */
export interface ValidatedEvent {
  envelope: EventEnvelope;
  dataJson: string;
  headersJson: string | undefined;
}

/**
 * Validates `stream` and `event` against the bus's rules; throws a `BusError` (`invalid-argument` for the
 * stream, `invalid-event` naming the field, `event-too-large` over {@link MAX_EVENT_BYTES}).
 */
export function validateEvent(stream: string, event: EventEnvelope): ValidatedEvent {
  if (typeof stream !== 'string' || !NAME_PATTERN.test(stream)) {
    throw new BusError('invalid-argument', `invalid stream name: expected ${NAME_PATTERN.source}`);
  }
  const parsed = eventEnvelopeSchema.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? 'event' : issue.path.join('.');
    throw new BusError('invalid-event', `invalid event: ${where} ${issue?.message ?? 'is invalid'}`);
  }
  let dataJson: string | undefined;
  try {
    dataJson = JSON.stringify(parsed.data.data);
  } catch (error) {
    throw new BusError(
      'invalid-event',
      `invalid event: data is not JSON-serialisable: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (dataJson === undefined) {
    throw new BusError('invalid-event', 'invalid event: data is missing or not JSON-serialisable');
  }
  const { id, type, key, time, headers } = parsed.data;
  const headersJson = headers === undefined ? undefined : JSON.stringify(headers);
  const bytes =
    Buffer.byteLength(JSON.stringify({ id, type, key, time, headers })) + Buffer.byteLength(dataJson);
  if (bytes > MAX_EVENT_BYTES) {
    throw new BusError(
      'event-too-large',
      `event ${id} is about ${bytes} bytes as JSON; the limit is ${MAX_EVENT_BYTES} bytes (1 MiB)`,
    );
  }
  const envelope: EventEnvelope = {
    id,
    type,
    key,
    time,
    data: parsed.data.data,
    ...(headers === undefined ? {} : { headers }),
  };
  return { envelope, dataJson, headersJson };
}
