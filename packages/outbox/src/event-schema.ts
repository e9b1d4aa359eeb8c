import { assertStreamName, encodeEvent, type EventEnvelope } from '@opsloop/bus';

/** An event checked by {@link validateEvent}, with the JSON of its parts. */
export interface ValidatedEvent {
  envelope: EventEnvelope;
  dataJson: string;
  headersJson: string | undefined;
}

/**
 * Validates `stream` and `event` with the bus's own rules, when the event is enqueued, so a bad event fails
 * the caller's transaction instead of blocking its key in the outbox. Throws the bus's `BusError`
 * (`invalid-argument` for the stream, `invalid-event` naming the field, `event-too-large`).
 */
export function validateEvent(stream: string, event: EventEnvelope): ValidatedEvent {
  assertStreamName(stream);
  const { envelope, dataJson } = encodeEvent(event);
  return {
    envelope,
    dataJson,
    headersJson: envelope.headers === undefined ? undefined : JSON.stringify(envelope.headers),
  };
}
