import { BusError, withTraceContext, type EventEnvelope } from '@opsloop/bus';
import { hasTraceparent, traceHeaders } from '@opsloop/kit';
import { sql, type Kysely, type Transaction } from 'kysely';
import { validateEvent, type ValidatedEvent } from './event-schema.js';
import type { OutboxTables } from './tables.js';

/** {@link validateEvent} of `event` with the current trace context, or without it if only that does not fit. */
function validateTraced(stream: string, event: EventEnvelope): ValidatedEvent {
  const traced = hasTraceparent(event.headers) ? event : withTraceContext(event, traceHeaders());
  if (traced === event) return validateEvent(stream, event);
  try {
    return validateEvent(stream, traced);
  } catch (error) {
    if (error instanceof BusError && error.code === 'event-too-large') return validateEvent(stream, event);
    throw error;
  }
}

/**
 * Writes `event` to the outbox, to be published to `stream` by the relay, inside the caller's transaction:
 * pass the `trx` of the `database.transaction()` that writes the state change, so the event exists if and
 * only if the change commits. The event is validated first with the bus's rules (a `BusError`
 * `invalid-argument`, `invalid-event` or `event-too-large` fails the transaction, not the relay later); its
 * id must be unique (a second enqueue of the same id is a unique violation, SQLSTATE 23505).
 *
 * Events of one `key` are published in the order they are enqueued (outbox `seq`), provided that the
 * transactions enqueueing them are themselves ordered — e.g. both update the key's row before enqueueing.
 *
 * The trace context active now (the request's) is stored in the event's headers (`traceparent`,
 * `tracestate`) unless the event names its own: the relay publishes later, outside the request, and the
 * publish and its consumers still join the request's trace.
 */
export async function enqueue<DB>(trx: Transaction<DB>, stream: string, event: EventEnvelope): Promise<void> {
  if (!trx.isTransaction) {
    throw new BusError(
      'invalid-argument',
      'enqueue() needs the trx of a database.transaction(): outside one, the event would not be atomic with the change',
    );
  }
  const { envelope, dataJson, headersJson } = validateTraced(stream, event);
  const db = trx as unknown as Kysely<OutboxTables>;
  await db
    .insertInto('outbox')
    .values({
      event_id: envelope.id,
      stream,
      type: envelope.type,
      key: envelope.key,
      time: envelope.time,
      data: sql`cast(${dataJson} as jsonb)`,
      headers: headersJson === undefined ? null : sql<Record<string, string>>`cast(${headersJson} as jsonb)`,
    })
    .execute();
}
