import {
  context,
  contextFromHeaders,
  hasTraceparent,
  SEMCONV,
  SpanKind,
  SpanStatusCode,
  trace,
  traceHeaders,
  type Span,
} from '@opsloop/kit';
import { BusError } from './bus-error.js';
import type { Delivery, EventEnvelope, PublishResult } from './event-bus.js';

/** `messaging.system` of the adapters: `nats` for JetStream, `opsloop` for the embedded broker. */
export type MessagingSystem = 'nats' | 'opsloop';

/** Attribute of a CONSUMER span: which delivery of the event this is (1 = first). */
const ATTR_DELIVERY_ATTEMPT = 'opsloop.bus.delivery.attempt';
/** Same as the bus's validation: an event carries at most this many headers. */
const MAX_HEADERS = 64;

function fail(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/**
 * `event` with `headers` (`traceparent`, `tracestate`) in its headers, replacing any trace context it had.
 * Unchanged when there is nothing to add or the headers are not a plain object (validation then names the
 * problem) or are already full: tracing never makes a valid event invalid.
 */
export function withTraceContext(event: EventEnvelope, headers: Record<string, string>): EventEnvelope {
  if (headers.traceparent === undefined) return event;
  const own = event.headers as unknown;
  if (own !== undefined && (typeof own !== 'object' || own === null || Array.isArray(own))) return event;
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries((own ?? {}) as Record<string, string>)) {
    const lower = name.toLowerCase();
    if (lower !== 'traceparent' && lower !== 'tracestate') kept[name] = value;
  }
  const merged = { ...kept, ...headers };
  if (Object.keys(merged).length > MAX_HEADERS) return event;
  return { ...event, headers: merged };
}

/** Runs `send` with `traced`, and with `event` again if the trace headers alone made it too large. */
async function withoutTraceIfTooLarge<R>(
  event: EventEnvelope,
  traced: EventEnvelope,
  send: (event: EventEnvelope) => Promise<R>,
): Promise<R> {
  try {
    return await send(traced);
  } catch (error) {
    if (traced === event || !(error instanceof BusError) || error.code !== 'event-too-large') throw error;
    return send(event);
  }
}

/**
 * Publishes `event` in a PRODUCER span `publish <stream>` and sends that span's `traceparent` (and
 * `tracestate`) in the event's headers, so its consumers join the trace. The span's parent is the trace
 * the event already carries (the outbox records the context of the request that enqueued it; the relay
 * publishes later, outside it), else the active span. Outside any trace the event is published as it is,
 * without a span: background publishes make no root spans and cost nothing.
 */
export async function tracePublish(
  system: MessagingSystem,
  stream: string,
  event: EventEnvelope,
  publish: (event: EventEnvelope) => Promise<PublishResult>,
): Promise<PublishResult> {
  const active = context.active();
  const parent = hasTraceparent(event.headers) ? contextFromHeaders(event.headers, active) : active;
  if (trace.getSpan(parent) === undefined) return publish(event);
  const span = trace.getTracer('@opsloop/bus').startSpan(
    `publish ${stream}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        [SEMCONV.messagingSystem]: system,
        [SEMCONV.messagingDestinationName]: stream,
        [SEMCONV.messagingOperationType]: 'send',
        [SEMCONV.messagingOperationName]: 'publish',
        ...(typeof event.id === 'string' ? { [SEMCONV.messagingMessageId]: event.id } : {}),
      },
    },
    parent,
  );
  const ctx = trace.setSpan(parent, span);
  try {
    const traced = withTraceContext(event, traceHeaders(ctx));
    return await context.with(ctx, () => withoutTraceIfTooLarge(event, traced, publish));
  } catch (error) {
    fail(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Runs a subscription's handler for `delivery` in a CONSUMER span `process <stream>` whose parent is the
 * trace in the event's headers (the producer's span): a checkout, its `order.placed` event and the email it
 * sends are one trace. Status ERROR when the handler throws (the delivery is then retried or dead-lettered).
 */
export async function traceDelivery<T>(
  system: MessagingSystem,
  group: string,
  delivery: Delivery<T>,
  handle: () => Promise<void>,
): Promise<void> {
  const parent = contextFromHeaders(delivery.event.headers);
  const span = trace.getTracer('@opsloop/bus').startSpan(
    `process ${delivery.stream}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        [SEMCONV.messagingSystem]: system,
        [SEMCONV.messagingDestinationName]: delivery.stream,
        [SEMCONV.messagingOperationType]: 'process',
        [SEMCONV.messagingOperationName]: 'process',
        [SEMCONV.messagingMessageId]: delivery.event.id,
        [SEMCONV.messagingConsumerGroupName]: group,
        [SEMCONV.messagingDestinationPartitionId]: String(delivery.partition),
        [ATTR_DELIVERY_ATTEMPT]: delivery.attempt,
      },
    },
    parent,
  );
  try {
    await context.with(trace.setSpan(parent, span), handle);
  } catch (error) {
    fail(span, error);
    throw error;
  } finally {
    span.end();
  }
}
