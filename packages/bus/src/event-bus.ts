/**
 * The EventBus port: what services publish through (from their outbox) and consume through (into their inbox).
 * Adapters: the embedded broker (served by the runtime, or in-process for tests) and NATS JetStream. One
 * contract suite (`test/contract.ts`) checks both against the guarantees documented in the package README.
 */

/** One event as published and delivered. The bus never interprets `data`; consumers validate it. */
export interface EventEnvelope<T = unknown> {
  /** Unique id (UUIDv7/ULID; 1-128 printable ASCII characters); the publish dedupe key. */
  id: string;
  /** Versioned event type, for example `order.placed.v1`. */
  type: string;
  /** Ordering key (for example an order id): events of one key are handled in publish order. */
  key: string;
  /** When the event happened, RFC 3339 (`new Date().toISOString()`). */
  time: string;
  /** JSON-serialisable payload. */
  data: T;
  /** Optional string headers (trace context, causation ids); names are HTTP-style tokens. */
  headers?: Record<string, string>;
}

/** One delivery of an event to a consumer group. */
export interface Delivery<T = unknown> {
  /** The bus stream the event was published to. */
  stream: string;
  /** Sequence number of the event in its stream (unique per stream, increasing in publish order). */
  seq: number;
  /** The partition of the event's key (0 … {@link PARTITION_COUNT} − 1); for logs and diagnostics. */
  partition: number;
  /** 1 for the first delivery to this group, then 2, 3, … (failed handlers and ack-wait expiries count). */
  attempt: number;
  event: EventEnvelope<T>;
}

/** Options of {@link EventBus.subscribe}. */
export interface SubscribeOptions<T = unknown> {
  /** Stream to consume (`orders`, or `orders.dlq` for its dead letters). */
  stream: string;
  /** Consumer group: replicas with the same group share the work; every group gets every event. */
  group: string;
  /**
   * Handles one delivery. Resolving acknowledges it; throwing rejects it, and it is redelivered after the
   * back-off. `data` is not validated by the bus: parse it with the event type's schema.
   */
  handler: (delivery: Delivery<T>) => Promise<void>;
  /**
   * Attempts before dead-lettering (default 5). After the last failed attempt the event is written to the
   * dead-letter stream `${stream}.dlq` (headers `dlq-group`, `dlq-error`, `dlq-seq`, `dlq-attempts`) and
   * acknowledged; deliveries beyond it (ack-wait expiries) are dead-lettered without calling the handler.
   */
  maxDeliver?: number;
  /** Delay before attempt n+1 after attempt n failed, in ms (default [1000, 5000, 30000]; the last repeats). */
  backoffMs?: number[];
  /**
   * How long a delivery may stay unacknowledged (default 30000 ms) before it is redelivered, to this or
   * another replica. Set it above the handler's worst-case duration: the lease is not extended while a
   * handler runs.
   */
  ackWaitMs?: number;
}

/** A running subscription. */
export interface Subscription {
  /** Stops fetching and waits for in-flight handlers (and their acknowledgements) to finish. */
  stop(): Promise<void>;
}

/** Result of {@link EventBus.publish}. */
export interface PublishResult {
  /** Sequence number of the event in the stream. */
  seq: number;
  /** True when an event with the same id was already stored within the dedupe window (nothing new stored). */
  duplicate: boolean;
}

/** The event bus port. */
export interface EventBus {
  /** Creates the stream and its dead-letter stream `${stream}.dlq` if they do not exist (idempotent). */
  ensureStream(stream: string): Promise<void>;
  /**
   * Stores the event durably (resolves after it is on disk / acknowledged by the server). At-least-once: on
   * an error, publish again with the same event id; within the dedupe window (≥ 2 min) it is stored once.
   */
  publish(stream: string, event: EventEnvelope): Promise<PublishResult>;
  /** Starts consuming `stream` as `group`, from the group's durable cursor (a new group starts at the beginning). */
  subscribe<T>(options: SubscribeOptions<T>): Promise<Subscription>;
  /** Stops every subscription (waiting a bounded time for in-flight handlers) and releases connections. */
  close(): Promise<void>;
}
