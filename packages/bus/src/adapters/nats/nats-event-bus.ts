import type { Logger, ServiceMetrics } from '@opsloop/kit';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { Backoff, sleep } from '../../async-utils.js';
import { consumerMetricsOn, type ConsumerMetrics } from '../../consumer-metrics.js';
import { SubscriptionSet } from '../../subscription-set.js';
import { BusError } from '../../bus-error.js';
import { runDelivery, type Settlement } from '../../delivery-runner.js';
import type {
  Delivery,
  EventBus,
  EventEnvelope,
  PublishResult,
  SubscribeOptions,
  Subscription,
} from '../../event-bus.js';
import { PARTITION_COUNT, partitionOf } from '../../partition.js';
import { tracePublish } from '../../tracing.js';
import {
  DEFAULT_DEDUPE_WINDOW_MS,
  assertStreamName,
  backoffDelay,
  deadLetterStreamOf,
  encodeEvent,
  isDeadLetterStream,
  resolveSubscribeOptions,
  type EncodedEvent,
  type ResolvedSubscribeOptions,
} from '../../validation.js';
import {
  decodeEnvelope,
  durableName,
  encodeHeaders,
  headersSize,
  natsStreamName,
  partitionSubject,
  streamSubjects,
} from './nats-codec.js';

/** Options of {@link createNatsEventBus}. */
export interface NatsEventBusOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222` (the `NATS_URL` of a service). */
  servers: string | string[];
  /** Connection name shown by the server (`nats server report connections`). */
  name?: string;
  log?: Logger;
  /** JetStream `duplicate_window` of streams this bus creates, ms (default 120000). */
  dedupeWindowMs?: number;
  /** How long one pull request waits on the server, ms (default 10000; minimum 1000). */
  pullExpiresMs?: number;
  /** How long close() waits for in-flight handlers before giving up on them, ms (default 10000). */
  closeTimeoutMs?: number;
  /** Deadline of the first connection and of JetStream API calls and publishes, ms (default 5000). */
  timeoutMs?: number;
  /** The service's metrics registry: consumers then report their lag and settlements (see `consumerMetricsOn`). */
  registry?: ServiceMetrics['registry'];
}

const JS_STREAM_NOT_FOUND = 10059;
const JS_STREAM_NAME_IN_USE = 10058;

function apiCode(error: unknown): number | undefined {
  return error instanceof JetStreamApiError ? error.code : undefined;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

class NatsSubscription<T> implements Subscription {
  readonly #bus: NatsEventBus;
  readonly #js: JetStreamClient;
  readonly #options: ResolvedSubscribeOptions<T>;
  readonly #log: Logger | undefined;
  readonly #pullExpiresMs: number;
  readonly #iterators = new Set<ConsumerMessages>();
  readonly #abort = new AbortController();
  #loops: Promise<void>[] = [];
  #stopped = false;
  #stopping: Promise<void> | undefined;

  constructor(
    bus: NatsEventBus,
    js: JetStreamClient,
    options: ResolvedSubscribeOptions<T>,
    log: Logger | undefined,
    pullExpiresMs: number,
  ) {
    this.#bus = bus;
    this.#js = js;
    this.#options = options;
    this.#log = log;
    this.#pullExpiresMs = pullExpiresMs;
  }

  start(): void {
    this.#loops = Array.from({ length: PARTITION_COUNT }, (_, partition) => this.#run(partition));
  }

  async #run(partition: number): Promise<void> {
    const { stream, group } = this.#options;
    const natsStream = natsStreamName(stream);
    const backoff = new Backoff(100, 5_000);
    while (!this.#stopped) {
      let messages: ConsumerMessages | undefined;
      try {
        const consumer = await this.#js.consumers.get(natsStream, durableName(group, partition));
        if (this.#stopped) break;
        messages = await consumer.consume({ max_messages: 1, expires: this.#pullExpiresMs });
        this.#iterators.add(messages);
        if (this.#stopped) messages.stop();
        // After stop() the iterator still yields what already arrived, then ends: nothing is stranded here.
        for await (const message of messages) {
          await this.#handle(message, partition);
          backoff.reset();
        }
        if (this.#stopped) break;
        const error = await messages.closed();
        throw error ?? new Error('consumer iterator ended');
      } catch (error) {
        if (this.#stopped) break;
        this.#log?.warn(
          { err: error, stream, group, partition },
          'bus: NATS consumer failed; retrying with back-off',
        );
        await sleep(backoff.next(), this.#abort.signal);
        if (this.#stopped) break;
        await this.#bus.ensureConsumer(this.#options, partition).catch(() => {});
      } finally {
        if (messages) {
          this.#iterators.delete(messages);
          messages.stop();
        }
      }
    }
  }

  async #handle(message: JsMsg, partition: number): Promise<void> {
    const { stream, group } = this.#options;
    const event = decodeEnvelope(message.headers, message.string());
    if (event === undefined) {
      this.#log?.error(
        { stream, group, seq: message.seq },
        'bus: not an opsloop event; terminating its delivery',
      );
      message.term('not an opsloop event');
      return;
    }
    const delivery: Delivery<T> = {
      stream,
      seq: message.seq,
      partition,
      attempt: message.info.deliveryCount,
      event: event as EventEnvelope<T>,
    };
    const receivedAt = Date.now();
    const settlement = await runDelivery(delivery, this.#options, 'nats');
    // Past its ack wait the server has redelivered (or will redeliver) the message, and JetStream would accept
    // this stale ack or nak for the newer delivery, letting the key's next event run alongside it. Leave the
    // message to its redelivery instead (the embedded broker refuses stale settlements itself).
    const { ackWaitMs } = this.#options;
    if (Date.now() - receivedAt >= ackWaitMs - Math.min(1_000, ackWaitMs / 10)) {
      this.#log?.warn(
        { stream, group, seq: delivery.seq, attempt: delivery.attempt, ack_wait_ms: ackWaitMs },
        'bus: handler outlived its ack wait; not settling (the event is redelivered)',
      );
      return;
    }
    try {
      await this.#settle(message, delivery, settlement);
    } catch (error) {
      this.#log?.warn(
        { err: error, stream, group, seq: delivery.seq },
        'bus: settling a delivery failed; it is redelivered after its ack wait',
      );
    }
  }

  async #settle(message: JsMsg, delivery: Delivery<T>, settlement: Settlement): Promise<void> {
    const { stream, group } = this.#options;
    const context = {
      stream,
      group,
      seq: delivery.seq,
      attempt: delivery.attempt,
      event_id: delivery.event.id,
    };
    switch (settlement.kind) {
      case 'ack':
        await this.#confirmAck(message, context);
        return;
      case 'nak':
        this.#log?.warn(
          { ...context, error: settlement.error, delay_ms: settlement.delayMs },
          'bus: handler failed; redelivering',
        );
        message.nak(settlement.delayMs);
        return;
      case 'dead-letter':
        this.#log?.error({ ...context, error: settlement.error }, 'bus: dead-lettering the event');
        try {
          await this.#bus.publishEncoded(
            deadLetterStreamOf(stream),
            encodeEvent(settlement.event),
            settlement.dedupeId,
          );
        } catch (error) {
          this.#log?.error({ ...context, err: error }, 'bus: dead-letter write failed; redelivering');
          message.nak(backoffDelay(Infinity, this.#options.backoffMs));
          return;
        }
        await this.#confirmAck(message, context);
        return;
    }
  }

  async #confirmAck(message: JsMsg, context: Record<string, unknown>): Promise<void> {
    if (!(await message.ackAck())) {
      this.#log?.warn(context, 'bus: the server did not confirm an ack; the event may be redelivered');
    }
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stopped = true;
      this.#abort.abort();
      for (const messages of this.#iterators) messages.stop();
      await Promise.all(this.#loops);
    })();
    return this.#stopping;
  }
}

class NatsEventBus implements EventBus {
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #log: Logger | undefined;
  readonly #dedupeWindowMs: number;
  readonly #pullExpiresMs: number;
  readonly #closeTimeoutMs: number;
  readonly #timeoutMs: number;
  readonly #metrics: ConsumerMetrics | undefined;
  readonly #subscriptions = new SubscriptionSet();
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(nc: NatsConnection, jsm: JetStreamManager, options: NatsEventBusOptions, timeoutMs: number) {
    this.#nc = nc;
    this.#jsm = jsm;
    this.#js = jetstream(nc, { timeout: timeoutMs });
    this.#log = options.log;
    this.#dedupeWindowMs = options.dedupeWindowMs ?? DEFAULT_DEDUPE_WINDOW_MS;
    this.#pullExpiresMs = Math.max(1_000, options.pullExpiresMs ?? 10_000);
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    this.#timeoutMs = timeoutMs;
    this.#metrics = options.registry === undefined ? undefined : consumerMetricsOn(options.registry);
  }

  #assertOpen(): void {
    if (this.#closed || this.#nc.isClosed()) throw new BusError('closed', 'the event bus is closed');
  }

  #translate(error: unknown, what: string): BusError {
    if (error instanceof BusError) return error;
    if (this.#closed || this.#nc.isClosed())
      return new BusError('closed', `${what}: the connection is closed`, { cause: error });
    return new BusError('unavailable', `${what}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }

  async ensureStream(stream: string): Promise<void> {
    assertStreamName(stream);
    this.#assertOpen();
    await this.#ensureOne(stream);
    if (!isDeadLetterStream(stream)) await this.#ensureOne(deadLetterStreamOf(stream));
  }

  async #ensureOne(stream: string): Promise<void> {
    const name = natsStreamName(stream);
    const duplicateWindow = nanos(this.#dedupeWindowMs);
    try {
      try {
        const info = await this.#jsm.streams.info(name);
        if (info.config.duplicate_window < duplicateWindow) {
          await this.#jsm.streams.update(name, { duplicate_window: duplicateWindow });
        }
        return;
      } catch (error) {
        if (apiCode(error) !== JS_STREAM_NOT_FOUND) throw error;
      }
      try {
        await this.#jsm.streams.add({
          name,
          subjects: streamSubjects(stream),
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          discard: DiscardPolicy.Old,
          duplicate_window: duplicateWindow,
          num_replicas: 1,
        });
      } catch (error) {
        // Created concurrently by another client: fine.
        if (apiCode(error) !== JS_STREAM_NAME_IN_USE) throw error;
      }
    } catch (error) {
      throw this.#translate(error, `ensureStream ${stream}`);
    }
  }

  async publish(stream: string, event: EventEnvelope): Promise<PublishResult> {
    assertStreamName(stream);
    return tracePublish('nats', stream, event, (traced) => {
      const encoded = encodeEvent(traced);
      this.#assertOpen();
      return this.publishEncoded(stream, encoded, encoded.envelope.id);
    });
  }

  /** Publishes an encoded event with `msgId` as its JetStream dedupe id (`Nats-Msg-Id`). */
  async publishEncoded(stream: string, encoded: EncodedEvent, msgId: string): Promise<PublishResult> {
    const headers = encodeHeaders(encoded.envelope);
    const payload = Buffer.from(encoded.dataJson);
    const maxPayload = this.#nc.info?.max_payload ?? Infinity;
    const size = payload.length + headersSize(headers) + msgId.length + 16;
    if (size > maxPayload) {
      throw new BusError(
        'event-too-large',
        `event ${encoded.envelope.id} needs ${size} bytes as a NATS message; the server allows ${maxPayload}`,
      );
    }
    const subject = partitionSubject(stream, partitionOf(encoded.envelope.key));
    try {
      const ack = await this.#js.publish(subject, payload, {
        msgID: msgId,
        headers,
        timeout: this.#timeoutMs,
      });
      return { seq: ack.seq, duplicate: ack.duplicate };
    } catch (error) {
      if (errorName(error) === 'InvalidArgumentError' && /max_payload/.test(String((error as Error).message)))
        throw new BusError(
          'event-too-large',
          `event ${encoded.envelope.id} exceeds the server's max_payload`,
          { cause: error },
        );
      // No stream captures the subject: the server answers "no responders" (reported as JetStream disabled).
      if (!this.#nc.isClosed() && !(await this.#streamExists(stream).catch(() => true))) {
        throw new BusError('stream-not-found', `stream ${stream} does not exist (ensureStream first)`, {
          cause: error,
        });
      }
      throw this.#translate(error, `publish to ${stream}`);
    }
  }

  async #streamExists(stream: string): Promise<boolean> {
    try {
      await this.#jsm.streams.info(natsStreamName(stream));
      return true;
    } catch (error) {
      if (apiCode(error) === JS_STREAM_NOT_FOUND) return false;
      throw error;
    }
  }

  /** Creates or updates the durable pull consumer of a group on one partition. */
  async ensureConsumer(
    options: Pick<ResolvedSubscribeOptions<unknown>, 'stream' | 'group' | 'ackWaitMs'>,
    partition: number,
  ): Promise<void> {
    const stream = natsStreamName(options.stream);
    const durable = durableName(options.group, partition);
    const config: Partial<ConsumerConfig> = {
      durable_name: durable,
      filter_subject: partitionSubject(options.stream, partition),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      replay_policy: ReplayPolicy.Instant,
      // One delivery in flight per (group, partition): the ordering guarantee.
      max_ack_pending: 1,
      ack_wait: nanos(options.ackWaitMs),
      // Dead-lettering is done by the client after maxDeliver attempts; the server never drops a message.
      max_deliver: -1,
    };
    try {
      await this.#jsm.consumers.add(stream, config);
    } catch (error) {
      if (apiCode(error) === JS_STREAM_NOT_FOUND) {
        throw new BusError(
          'stream-not-found',
          `stream ${options.stream} does not exist (ensureStream first)`,
          {
            cause: error,
          },
        );
      }
      // An older server refusing to change an existing durable through "create": update what may change.
      try {
        await this.#jsm.consumers.update(stream, durable, {
          ack_wait: nanos(options.ackWaitMs),
          max_ack_pending: 1,
        });
      } catch {
        throw this.#translate(error, `subscribe ${options.stream}/${options.group}`);
      }
    }
  }

  async subscribe<T>(options: SubscribeOptions<T>): Promise<Subscription> {
    const resolved = resolveSubscribeOptions(options);
    if (this.#metrics !== undefined) resolved.metrics = this.#metrics;
    this.#assertOpen();
    await Promise.all(
      Array.from({ length: PARTITION_COUNT }, (_, partition) => this.ensureConsumer(resolved, partition)),
    );
    this.#assertOpen();
    return this.#subscriptions.track(
      new NatsSubscription(this, this.#js, resolved, this.#log, this.#pullExpiresMs),
    );
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      await this.#subscriptions.stopAll(this.#closeTimeoutMs, this.#log);
      if (!this.#nc.isClosed()) {
        await this.#nc.drain().catch(async (error: unknown) => {
          this.#log?.warn({ err: error }, 'bus: draining the NATS connection failed; closing it');
          await this.#nc.close();
        });
      }
    })();
    return this.#closing;
  }
}

/**
 * Connects an EventBus to NATS JetStream (the production twin of the embedded broker): one file-backed
 * stream per bus stream with subjects `<stream>.p<partition>`, one durable pull consumer per group and
 * partition with `max_ack_pending: 1`. Throws `unavailable` when the server cannot be reached.
 */
export async function createNatsEventBus(options: NatsEventBusOptions): Promise<EventBus> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: options.servers,
      name: options.name ?? 'opsloop-bus',
      timeout: timeoutMs,
      maxReconnectAttempts: -1,
    });
  } catch (error) {
    throw new BusError(
      'unavailable',
      `cannot connect to NATS at ${String(options.servers)}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  try {
    const jsm = await jetstreamManager(nc, { timeout: timeoutMs });
    return new NatsEventBus(nc, jsm, options, timeoutMs);
  } catch (error) {
    await nc.close();
    throw new BusError('unavailable', `JetStream is not available at ${String(options.servers)}`, {
      cause: error,
    });
  }
}
