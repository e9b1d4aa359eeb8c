import type { Delivery, EventEnvelope, PublishResult } from '../../event-bus.js';

/** Member of the broker's problem documents naming the `BusError` code, so clients can rebuild it. */
export const BUS_ERROR_MEMBER = 'bus_error';

/** A long-poll for deliveries of one consumer group (see {@link BrokerApi.fetch}). */
export interface FetchRequest {
  stream: string;
  group: string;
  /**
   * Opaque id of the fetching subscription. The broker uses it to add the partitions this consumer acks to
   * its outstanding long-poll, and to end that long-poll on {@link BrokerApi.cancelFetch}.
   */
  consumer: string;
  /** Partitions the consumer can take now (no handler running for them locally); default all. */
  partitions?: number[];
  /** How long to wait when nothing is deliverable, in ms (0: answer at once; at most 60000). */
  waitMs: number;
  /** Lease of each returned delivery: unacknowledged after this, it is redelivered. */
  ackWaitMs: number;
}

/** Identifies one delivery of one group for an ack or a nak. */
export interface SettleRequest {
  stream: string;
  group: string;
  partition: number;
  seq: number;
  attempt: number;
  /** The fetching consumer; its outstanding long-poll then also covers this partition. */
  consumer?: string;
}

/** A nak: redeliver after `delayMs`. */
export interface NakRequest extends SettleRequest {
  delayMs: number;
}

/** What the broker knows about a stream. */
export interface StreamInfo {
  stream: string;
  partitions: number;
  /** Seq of the last durable event (0: empty). */
  lastSeq: number;
}

/** Options of {@link BrokerApi.publish}. */
export interface BrokerPublishOptions {
  /** Dedupe id other than the event id (the bus uses it for dead-letter writes). */
  dedupeId?: string;
}

/**
 * The embedded broker's operations, the same in-process ({@link EmbeddedBroker}) and over HTTP
 * (`registerBrokerRoutes` / the HTTP client). The EventBus adapters are built on it.
 */
export interface BrokerApi {
  ensureStream(stream: string): Promise<void>;
  /** Throws `stream-not-found` for an unknown stream. */
  streamInfo(stream: string): Promise<StreamInfo>;
  publish(stream: string, event: EventEnvelope, options?: BrokerPublishOptions): Promise<PublishResult>;
  /**
   * Leases and returns the head event of each requested partition that is free for the group (at most one
   * in flight per group and partition), waiting up to `waitMs` for one. Resolves to [] on timeout, on
   * {@link BrokerApi.cancelFetch}, on `signal` abort, or when the broker closes.
   */
  fetch(request: FetchRequest, signal?: AbortSignal): Promise<Delivery[]>;
  /** Acknowledges a delivery; false when the lease is stale (redelivered since, or already settled). */
  ack(request: SettleRequest): Promise<boolean>;
  /** Rejects a delivery for redelivery after `delayMs`; false when the lease is stale. */
  nak(request: NakRequest): Promise<boolean>;
  /** Ends the consumer's outstanding long-poll at once and refuses its later fetches (used by stop()). */
  cancelFetch(stream: string, group: string, consumer: string): Promise<void>;
}
