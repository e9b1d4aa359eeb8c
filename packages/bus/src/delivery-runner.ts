import { FAULT_POINTS, faultPoint } from '@opsloop/kit';
import type { Delivery, EventEnvelope } from './event-bus.js';
import { traceDelivery, type MessagingSystem } from './tracing.js';
import { backoffDelay, isDeadLetterStream, type ResolvedSubscribeOptions } from './validation.js';

/** What a consumer does with a delivery after its handler ran. */
export type Settlement =
  | { kind: 'ack' }
  | { kind: 'nak'; delayMs: number; error: string }
  | { kind: 'dead-letter'; event: EventEnvelope; dedupeId: string; error: string };

/** Longest `dlq-error` header value. */
const MAX_ERROR_LENGTH = 1000;

/** A header-safe, bounded description of a handler failure. */
export function describeFailure(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return (clean || 'handler failed').slice(0, MAX_ERROR_LENGTH).trim();
}

/**
 * The dedupe id of a dead-letter write: one per (group, stream sequence), so a consumer that crashes between
 * the write and the ack does not dead-letter the event twice, while two groups each dead-letter their own.
 */
export function deadLetterDedupeId(group: string, seq: number): string {
  return `dlq:${group}:${seq}`;
}

/** The event written to the dead-letter stream: the original, with `dlq-*` headers describing the failure. */
export function deadLetterEvent(delivery: Delivery, group: string, error: string): EventEnvelope {
  return {
    ...delivery.event,
    headers: {
      ...delivery.event.headers,
      'dlq-group': group,
      'dlq-error': error,
      'dlq-seq': String(delivery.seq),
      'dlq-attempts': String(delivery.attempt),
    },
  };
}

/**
 * Runs the handler for one delivery and decides its fate, the same way for every adapter:
 * resolve → ack; throw → nak with the back-off delay, or dead-letter after `maxDeliver` attempts;
 * a delivery beyond `maxDeliver` (earlier attempts timed out without an ack) is dead-lettered without
 * calling the handler. Dead-letter streams have no dead-letter stream: their failures are retried with the
 * last back-off delay. The handler runs in a CONSUMER span, child of the trace in the event's headers.
 * This is also the `bus-consumer` fault point (see the kit's `faultPoint`): a `stall` holds the delivery
 * until the fault ends (its partition waits; past the ack wait the broker redelivers it, as it would for a
 * stuck consumer), `latency` delays the handler and `errors` fail it (redelivered as usual). With
 * `options.metrics` the delivery counts in the consumer's lag from its start to its settlement.
 */
export async function runDelivery<T>(
  delivery: Delivery<T>,
  options: ResolvedSubscribeOptions<T>,
  system: MessagingSystem = 'opsloop',
): Promise<Settlement> {
  const settled = options.metrics?.start(delivery, options.group);
  const settlement = await decide(delivery, options, system);
  settled?.(settlement.kind);
  return settlement;
}

async function decide<T>(
  delivery: Delivery<T>,
  options: ResolvedSubscribeOptions<T>,
  system: MessagingSystem,
): Promise<Settlement> {
  const canDeadLetter = !isDeadLetterStream(options.stream);
  const deadLetter = (error: string): Settlement => ({
    kind: 'dead-letter',
    event: deadLetterEvent(delivery, options.group, error),
    dedupeId: deadLetterDedupeId(options.group, delivery.seq),
    error,
  });
  if (canDeadLetter && delivery.attempt > options.maxDeliver) {
    return deadLetter(
      `no acknowledgement after ${delivery.attempt - 1} deliveries (ack wait of ${options.ackWaitMs} ms exceeded: handler too slow or consumer stopped)`,
    );
  }
  try {
    await traceDelivery(system, options.group, delivery, () => {
      const fault = faultPoint(FAULT_POINTS.busConsumer);
      return fault === undefined ? options.handler(delivery) : fault.then(() => options.handler(delivery));
    });
    return { kind: 'ack' };
  } catch (error) {
    const description = describeFailure(error);
    if (canDeadLetter && delivery.attempt >= options.maxDeliver) return deadLetter(description);
    return { kind: 'nak', delayMs: backoffDelay(delivery.attempt, options.backoffMs), error: description };
  }
}
