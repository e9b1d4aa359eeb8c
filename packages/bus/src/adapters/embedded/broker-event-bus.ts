import { randomUUID } from 'node:crypto';
import type { Logger, ServiceMetrics } from '@opsloop/kit';
import { Backoff, Notifier, settlesWithin, sleep } from '../../async-utils.js';
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
import { PARTITION_COUNT } from '../../partition.js';
import {
  assertStreamName,
  backoffDelay,
  deadLetterStreamOf,
  encodeEvent,
  resolveSubscribeOptions,
  type ResolvedSubscribeOptions,
} from '../../validation.js';
import { tracePublish } from '../../tracing.js';
import type { BrokerApi } from './broker-api.js';
import type { EmbeddedBroker } from './broker.js';
import { createBrokerHttpClient } from './broker-http-client.js';

/** Options shared by the embedded EventBus clients. */
export interface BrokerEventBusOptions {
  log?: Logger;
  /** How long one fetch long-poll waits for deliveries, ms (default 10000). */
  pollWaitMs?: number;
  /** How long close() waits for in-flight handlers before giving up on them, ms (default 10000). */
  closeTimeoutMs?: number;
  /** The service's metrics registry: consumers then report their lag and settlements (see `consumerMetricsOn`). */
  registry?: ServiceMetrics['registry'];
}

/** Options of {@link createEmbeddedEventBus}. */
export interface EmbeddedEventBusOptions extends BrokerEventBusOptions {
  /** Base URL of the broker (the runtime's, served with `registerBrokerRoutes`). */
  url: string;
  /** Bearer token the broker requires, if any. */
  token?: string;
  /** Deadline of one HTTP request, ms (default 10000). */
  requestTimeoutMs?: number;
  /** How long requests are retried while the broker is unreachable (restarting), ms (default 15000). */
  retryTimeoutMs?: number;
}

const ALL_PARTITIONS: readonly number[] = Array.from({ length: PARTITION_COUNT }, (_, i) => i);
/** How long stop() lets a cancelled long-poll come back before aborting it. */
const CANCEL_GRACE_MS = 2_000;

class BrokerSubscription<T> implements Subscription {
  readonly #api: BrokerApi;
  readonly #options: ResolvedSubscribeOptions<T>;
  readonly #log: Logger | undefined;
  readonly #pollWaitMs: number;
  readonly #consumer = randomUUID();
  /** Partitions whose handler is running here (an ack may still be on its way). */
  readonly #running = new Map<number, Promise<void>>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #changed = new Notifier();
  readonly #abort = new AbortController();
  #stopped = false;
  #loop: Promise<void> = Promise.resolve();
  #stopping: Promise<void> | undefined;

  constructor(
    api: BrokerApi,
    options: ResolvedSubscribeOptions<T>,
    log: Logger | undefined,
    pollWaitMs: number,
  ) {
    this.#api = api;
    this.#options = options;
    this.#log = log;
    this.#pollWaitMs = pollWaitMs;
  }

  start(): void {
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    const { stream, group, ackWaitMs } = this.#options;
    const backoff = new Backoff(100, 5_000);
    let failing = false;
    while (!this.#stopped) {
      const free = ALL_PARTITIONS.filter((partition) => !this.#running.has(partition));
      if (free.length === 0) {
        await this.#changed.wait();
        continue;
      }
      let deliveries: Delivery[];
      try {
        deliveries = await this.#api.fetch(
          { stream, group, consumer: this.#consumer, partitions: free, waitMs: this.#pollWaitMs, ackWaitMs },
          this.#abort.signal,
        );
        if (failing) this.#log?.info({ stream, group }, 'bus: fetching again');
        failing = false;
        backoff.reset();
      } catch (error) {
        if (this.#stopped) break;
        if (!failing)
          this.#log?.warn({ err: error, stream, group }, 'bus: fetch failed; retrying with back-off');
        failing = true;
        await sleep(backoff.next(), this.#abort.signal);
        continue;
      }
      for (const delivery of deliveries) this.#start(delivery as Delivery<T>);
    }
  }

  #start(delivery: Delivery<T>): void {
    const busy = this.#running.get(delivery.partition);
    if (busy !== undefined) {
      // Not expected (the broker leases one delivery per partition): never run two of a partition at once.
      this.#log?.error(
        { stream: delivery.stream, partition: delivery.partition },
        'bus: partition already busy',
      );
    }
    const task = (async () => {
      if (busy !== undefined) await busy;
      const settlement = await runDelivery(delivery, this.#options);
      this.#running.delete(delivery.partition);
      this.#changed.notify();
      await this.#settle(delivery, settlement);
    })().catch((error: unknown) => {
      this.#log?.warn(
        { err: error, stream: delivery.stream, seq: delivery.seq, group: this.#options.group },
        'bus: settling a delivery failed; it is redelivered after its ack wait',
      );
    });
    this.#running.set(delivery.partition, task);
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
  }

  async #settle(delivery: Delivery<T>, settlement: Settlement): Promise<void> {
    const { stream, group } = this.#options;
    const token = {
      stream,
      group,
      partition: delivery.partition,
      seq: delivery.seq,
      attempt: delivery.attempt,
      consumer: this.#consumer,
    };
    const context = {
      stream,
      group,
      seq: delivery.seq,
      attempt: delivery.attempt,
      event_id: delivery.event.id,
    };
    let current: boolean;
    switch (settlement.kind) {
      case 'ack':
        current = await this.#api.ack(token);
        break;
      case 'nak':
        this.#log?.warn(
          { ...context, error: settlement.error, delay_ms: settlement.delayMs },
          'bus: handler failed; redelivering',
        );
        current = await this.#api.nak({ ...token, delayMs: settlement.delayMs });
        break;
      case 'dead-letter':
        this.#log?.error({ ...context, error: settlement.error }, 'bus: dead-lettering the event');
        try {
          await this.#api.publish(deadLetterStreamOf(stream), settlement.event, {
            dedupeId: settlement.dedupeId,
          });
        } catch (error) {
          this.#log?.error({ ...context, err: error }, 'bus: dead-letter write failed; redelivering');
          current = await this.#api.nak({
            ...token,
            delayMs: backoffDelay(Infinity, this.#options.backoffMs),
          });
          break;
        }
        current = await this.#api.ack(token);
        break;
    }
    if (!current) {
      this.#log?.warn(
        context,
        'bus: delivery was no longer current when settled (ack wait exceeded); it was redelivered',
      );
    }
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stopped = true;
      this.#changed.notify();
      const { stream, group } = this.#options;
      // Ask the broker to end our long-poll: whatever it already leased to us still arrives and is handled.
      await this.#api.cancelFetch(stream, group, this.#consumer).catch((error: unknown) => {
        this.#log?.debug({ err: error, stream, group }, 'bus: cancelling the long-poll failed');
      });
      if (!(await settlesWithin(this.#loop, CANCEL_GRACE_MS))) this.#abort.abort();
      await this.#loop;
      this.#abort.abort();
      while (this.#tasks.size > 0) await Promise.all([...this.#tasks]);
    })();
    return this.#stopping;
  }
}

class BrokerEventBus implements EventBus {
  readonly #api: BrokerApi;
  readonly #log: Logger | undefined;
  readonly #pollWaitMs: number;
  readonly #closeTimeoutMs: number;
  readonly #onClose: (() => Promise<void>) | undefined;
  readonly #metrics: ConsumerMetrics | undefined;
  readonly #subscriptions = new SubscriptionSet();
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(api: BrokerApi, options: BrokerEventBusOptions, onClose?: () => Promise<void>) {
    this.#api = api;
    this.#log = options.log;
    this.#pollWaitMs = options.pollWaitMs ?? 10_000;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    this.#onClose = onClose;
    this.#metrics = options.registry === undefined ? undefined : consumerMetricsOn(options.registry);
  }

  #assertOpen(): void {
    if (this.#closed) throw new BusError('closed', 'the event bus is closed');
  }

  async ensureStream(stream: string): Promise<void> {
    assertStreamName(stream);
    this.#assertOpen();
    await this.#api.ensureStream(stream);
  }

  async publish(stream: string, event: EventEnvelope): Promise<PublishResult> {
    assertStreamName(stream);
    return tracePublish('opsloop', stream, event, (traced) => {
      const { envelope } = encodeEvent(traced);
      this.#assertOpen();
      return this.#api.publish(stream, envelope);
    });
  }

  async subscribe<T>(options: SubscribeOptions<T>): Promise<Subscription> {
    const resolved = resolveSubscribeOptions(options);
    if (this.#metrics !== undefined) resolved.metrics = this.#metrics;
    this.#assertOpen();
    await this.#api.streamInfo(resolved.stream);
    this.#assertOpen();
    return this.#subscriptions.track(
      new BrokerSubscription(this.#api, resolved, this.#log, this.#pollWaitMs),
    );
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      await this.#subscriptions.stopAll(this.#closeTimeoutMs, this.#log);
      await this.#onClose?.();
    })();
    return this.#closing;
  }
}

/**
 * The EventBus on an embedded broker object in the same process, without HTTP (for unit tests of services,
 * and for the process that hosts the broker). Closing the bus does not close the broker.
 */
export function createInProcessEventBus(
  broker: EmbeddedBroker,
  options: BrokerEventBusOptions = {},
): EventBus {
  return new BrokerEventBus(broker, options);
}

/**
 * The EventBus client of an embedded broker served over HTTP (by the runtime): undici with bounded timeouts,
 * requests retried with back-off while the broker restarts, consumers that resume their long-polls.
 */
export function createEmbeddedEventBus(options: EmbeddedEventBusOptions): EventBus {
  const client = createBrokerHttpClient({
    url: options.url,
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.log === undefined ? {} : { log: options.log }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.retryTimeoutMs === undefined ? {} : { retryTimeoutMs: options.retryTimeoutMs }),
  });
  return new BrokerEventBus(client, options, () => client.close());
}
