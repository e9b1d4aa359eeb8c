import { mkdir, open, readdir, readFile, realpath, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@opsloop/kit';
import { BusError } from '../../bus-error.js';
import { isProcessAlive, systemClock, type Clock, type TimerHandle } from '@opsloop/kit';
import type { Delivery, EventEnvelope, PublishResult } from '../../event-bus.js';
import { PARTITION_COUNT } from '../../partition.js';
import {
  DEFAULT_DEDUPE_WINDOW_MS,
  assertGroupName,
  assertStreamName,
  deadLetterStreamOf,
  encodeEvent,
  isDeadLetterStream,
} from '../../validation.js';
import type {
  BrokerApi,
  BrokerPublishOptions,
  FetchRequest,
  NakRequest,
  SettleRequest,
  StreamInfo,
} from './broker-api.js';
import { ConsumerGroup, type Lease } from './consumer-group.js';
import { fsyncDirectory, writeFileAtomic } from './durable-file.js';
import { StreamLog } from './stream-log.js';

/** Options of {@link createEmbeddedBroker}. */
export interface EmbeddedBrokerOptions {
  /** Data directory (created if missing); one broker process at a time (a lock file guards it). */
  dir: string;
  /** Time source for publish timestamps, leases, nak delays and long-poll timeouts. */
  clock?: Clock;
  log?: Logger;
  /** How long an event id is remembered for publish dedupe, in ms (default 120000, the minimum promised). */
  dedupeWindowMs?: number;
  /** A segment file is closed and a new one started once it reaches this size (default 64 MiB). */
  segmentBytes?: number;
  /** Recent events kept in memory per stream for delivery without a disk read (default 1024). */
  cacheEvents?: number;
}

/** Counters of an {@link EmbeddedBroker}, since it was opened. */
export interface BrokerStats {
  streams: number;
  publishes: number;
  duplicates: number;
  /** fdatasync calls of the stream logs (fewer than publishes under concurrency: group commit). */
  logFsyncs: number;
  deliveries: number;
  acks: number;
  naks: number;
  /** Acks and naks refused because the delivery was redelivered or settled since. */
  staleSettlements: number;
  /** Long-polls waiting now. */
  waiting: number;
}

/**
 * The embedded, durable event broker that the runtime hosts: the {@link BrokerApi} on local files. Serve it
 * with `registerBrokerRoutes`, or use it in-process with `createInProcessEventBus`.
 */
export interface EmbeddedBroker extends BrokerApi {
  /** The data directory. */
  readonly dir: string;
  stats(): BrokerStats;
  /** Ends waiting long-polls, finishes pending writes, closes files and releases the directory lock. */
  close(): Promise<void>;
}

interface StreamState {
  name: string;
  dir: string;
  log: StreamLog;
  groups: Map<string, ConsumerGroup>;
  waiters: Set<Waiter>;
}

interface Waiter {
  state: StreamState;
  group: ConsumerGroup;
  consumer: string;
  partitions: Set<number>;
  ackWaitMs: number;
  deadline: TimerHandle | undefined;
  wake: TimerHandle | undefined;
  wakeAt: number;
  done: boolean;
  resolve: (leases: Lease[]) => void;
  cleanup: () => void;
}

const ALL_PARTITIONS: readonly number[] = Array.from({ length: PARTITION_COUNT }, (_, i) => i);
const MAX_WAIT_MS = 60_000;
const MAX_DELAY_MS = 24 * 60 * 60 * 1000;
const GRANT_TTL_MS = 2 * MAX_WAIT_MS;
const CANCELLED_TTL_MS = 10 * 60_000;
const CONSUMER_ID = /^[\x21-\x7e]{1,128}$/;
const DEDUPE_ID = /^[\x21-\x7e]{1,128}$/;
const GROUP_FILE = /^([a-z][a-z0-9-]{0,62})\.json$/;

/** Directories opened by a broker of this process (the lock file alone cannot tell two of ours apart). */
const openDirectories = new Set<string>();

function invalid(message: string): never {
  throw new BusError('invalid-argument', message);
}

function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    invalid(`${name} must be an integer from ${min} to ${max}`);
  return value;
}

function checkSettle(request: SettleRequest): Lease {
  assertStreamName(request.stream);
  assertGroupName(request.group);
  if (request.consumer !== undefined && !CONSUMER_ID.test(request.consumer))
    invalid('consumer must be 1-128 printable ASCII characters');
  return {
    partition: checkInteger('partition', request.partition, 0, PARTITION_COUNT - 1),
    seq: checkInteger('seq', request.seq, 1, Number.MAX_SAFE_INTEGER),
    attempt: checkInteger('attempt', request.attempt, 1, Number.MAX_SAFE_INTEGER),
  };
}

class Broker implements EmbeddedBroker {
  readonly dir: string;
  readonly #clock: Clock;
  readonly #log: Logger | undefined;
  readonly #dedupeWindowMs: number;
  readonly #segmentBytes: number;
  readonly #cacheEvents: number;
  readonly #streams = new Map<string, StreamState>();
  readonly #creating = new Map<string, Promise<StreamState>>();
  readonly #waitersByConsumer = new Map<string, Waiter>();
  readonly #grants = new Map<
    string,
    { stream: string; group: string; partitions: Set<number>; expiresAt: number }
  >();
  readonly #cancelled = new Map<string, number>();
  readonly #stats = {
    publishes: 0,
    duplicates: 0,
    logFsyncs: 0,
    deliveries: 0,
    acks: 0,
    naks: 0,
    staleSettlements: 0,
  };
  #lockPath = '';
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: EmbeddedBrokerOptions) {
    this.dir = options.dir;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log;
    this.#dedupeWindowMs = checkInteger(
      'dedupeWindowMs',
      options.dedupeWindowMs ?? DEFAULT_DEDUPE_WINDOW_MS,
      1,
      Number.MAX_SAFE_INTEGER,
    );
    this.#segmentBytes = checkInteger('segmentBytes', options.segmentBytes ?? 64 * 1024 * 1024, 1, 2 ** 40);
    this.#cacheEvents = checkInteger('cacheEvents', options.cacheEvents ?? 1024, 0, 1_000_000);
  }

  async open(): Promise<void> {
    await mkdir(join(this.dir, 'streams'), { recursive: true });
    const real = await realpath(this.dir);
    if (openDirectories.has(real))
      throw new BusError('storage', `broker directory ${this.dir} is already open`);
    await this.#lock();
    openDirectories.add(real);
    try {
      for (const name of await readdir(join(this.dir, 'streams'))) {
        const streamDir = join(this.dir, 'streams', name);
        let meta: unknown;
        try {
          meta = JSON.parse(await readFile(join(streamDir, 'stream.json'), 'utf8'));
        } catch (error) {
          // Created but never completed (crash during ensureStream): ensureStream will finish it.
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
          throw new BusError('storage', `cannot read ${streamDir}/stream.json`, { cause: error });
        }
        const partitions = (meta as { partitions?: unknown } | null)?.partitions;
        if (partitions !== PARTITION_COUNT) {
          throw new BusError(
            'storage',
            `stream ${name} has ${String(partitions)} partitions, expected ${PARTITION_COUNT}`,
          );
        }
        this.#streams.set(name, await this.#openStream(name));
      }
    } catch (error) {
      await this.#closeAll();
      throw error;
    }
  }

  async #lock(): Promise<void> {
    this.#lockPath = join(this.dir, 'broker.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(this.#lockPath, 'wx');
        await handle.writeFile(`${process.pid}\n`);
        await handle.close();
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const pid = Number.parseInt(await readFile(this.#lockPath, 'utf8').catch(() => ''), 10);
        if (Number.isInteger(pid) && pid !== process.pid && isProcessAlive(pid)) {
          throw new BusError('storage', `broker directory ${this.dir} is in use by process ${pid}`);
        }
        await unlink(this.#lockPath).catch(() => {});
      }
    }
    throw new BusError('storage', `cannot lock broker directory ${this.dir}`);
  }

  async #openStream(name: string): Promise<StreamState> {
    const dir = join(this.dir, 'streams', name);
    const groupsDir = join(dir, 'groups');
    await mkdir(groupsDir, { recursive: true });
    const groups = new Map<string, ConsumerGroup>();
    const waiters = new Set<Waiter>();
    const ref: { state?: StreamState } = {};
    const log = await StreamLog.open({
      dir: join(dir, 'log'),
      stream: name,
      now: () => this.#clock.now(),
      dedupeWindowMs: this.#dedupeWindowMs,
      segmentBytes: this.#segmentBytes,
      cacheEvents: this.#cacheEvents,
      ...(this.#log ? { log: this.#log } : {}),
      onAppend: () => {
        if (ref.state) for (const waiter of [...ref.state.waiters]) this.#check(waiter);
      },
      onFsync: () => void this.#stats.logFsyncs++,
    });
    try {
      for (const file of await readdir(groupsDir)) {
        const match = GROUP_FILE.exec(file);
        if (match === null) continue;
        const group = match[1]!;
        groups.set(group, await ConsumerGroup.load(group, join(groupsDir, file), log.lastSeq));
      }
    } catch (error) {
      await log.close();
      throw error;
    }
    ref.state = { name, dir, log, groups, waiters };
    return ref.state;
  }

  #assertOpen(): void {
    if (this.#closed) throw new BusError('closed', 'the broker is closed');
  }

  #stream(name: string): StreamState {
    const state = this.#streams.get(name);
    if (state === undefined)
      throw new BusError('stream-not-found', `stream ${name} does not exist (ensureStream first)`);
    return state;
  }

  async ensureStream(stream: string): Promise<void> {
    assertStreamName(stream);
    this.#assertOpen();
    await this.#ensureOne(stream);
    if (!isDeadLetterStream(stream)) await this.#ensureOne(deadLetterStreamOf(stream));
  }

  async #ensureOne(name: string): Promise<void> {
    if (this.#streams.has(name)) return;
    let creating = this.#creating.get(name);
    if (creating === undefined) {
      creating = (async () => {
        const state = await this.#openStream(name);
        try {
          await writeFileAtomic(
            join(state.dir, 'stream.json'),
            `${JSON.stringify({ stream: name, partitions: PARTITION_COUNT, createdAt: new Date(this.#clock.now()).toISOString() })}\n`,
          );
          await fsyncDirectory(join(this.dir, 'streams'));
        } catch (error) {
          await state.log.close();
          throw error;
        }
        if (this.#closed) {
          await state.log.close();
          throw new BusError('closed', 'the broker is closed');
        }
        this.#streams.set(name, state);
        return state;
      })().finally(() => this.#creating.delete(name));
      this.#creating.set(name, creating);
    }
    await creating;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async: errors become rejections
  async streamInfo(stream: string): Promise<StreamInfo> {
    assertStreamName(stream);
    this.#assertOpen();
    const state = this.#stream(stream);
    return { stream, partitions: PARTITION_COUNT, lastSeq: state.log.lastSeq };
  }

  async publish(
    stream: string,
    event: EventEnvelope,
    options: BrokerPublishOptions = {},
  ): Promise<PublishResult> {
    assertStreamName(stream);
    const encoded = encodeEvent(event);
    if (options.dedupeId !== undefined && !DEDUPE_ID.test(options.dedupeId))
      invalid('dedupeId must be 1-128 printable ASCII characters');
    this.#assertOpen();
    const result = await this.#stream(stream).log.append(encoded, options.dedupeId);
    if (result.duplicate) this.#stats.duplicates++;
    else this.#stats.publishes++;
    return result;
  }

  async fetch(request: FetchRequest, signal?: AbortSignal): Promise<Delivery[]> {
    assertStreamName(request.stream);
    assertGroupName(request.group);
    if (typeof request.consumer !== 'string' || !CONSUMER_ID.test(request.consumer))
      invalid('consumer must be 1-128 printable ASCII characters');
    const waitMs = checkInteger('waitMs', request.waitMs, 0, MAX_WAIT_MS);
    const ackWaitMs = checkInteger('ackWaitMs', request.ackWaitMs, 1, MAX_DELAY_MS);
    const requested: readonly number[] = request.partitions ?? ALL_PARTITIONS;
    for (const partition of requested) checkInteger('partitions[]', partition, 0, PARTITION_COUNT - 1);
    this.#assertOpen();
    const state = this.#stream(request.stream);
    if (this.#isCancelled(request.consumer)) return [];
    const previous = this.#waitersByConsumer.get(request.consumer);
    if (previous) this.#finish(previous, []);
    let group = state.groups.get(request.group);
    if (group === undefined) {
      group = ConsumerGroup.create(request.group, join(state.dir, 'groups', `${request.group}.json`));
      state.groups.set(request.group, group);
    }
    const partitions = new Set(requested);
    for (const partition of this.#takeGrants(request.consumer, state.name, group.name))
      partitions.add(partition);

    let { leases } = group.lease(state.log, partitions, ackWaitMs, this.#clock.now());
    if (leases.length === 0 && waitMs > 0 && signal?.aborted !== true) {
      leases = await this.#wait(state, group, request.consumer, partitions, ackWaitMs, waitMs, signal);
    }
    if (leases.length === 0) return [];
    this.#stats.deliveries += leases.length;
    // The attempt counts and leases are durable before anyone sees the deliveries.
    await group.persist();
    return Promise.all(
      leases.map(async (lease) => ({
        stream: state.name,
        seq: lease.seq,
        partition: lease.partition,
        attempt: lease.attempt,
        event: await state.log.read(lease.seq),
      })),
    );
  }

  #wait(
    state: StreamState,
    group: ConsumerGroup,
    consumer: string,
    partitions: Set<number>,
    ackWaitMs: number,
    waitMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Lease[]> {
    return new Promise<Lease[]>((resolve) => {
      const onAbort = () => this.#finish(waiter, []);
      const waiter: Waiter = {
        state,
        group,
        consumer,
        partitions,
        ackWaitMs,
        deadline: undefined,
        wake: undefined,
        wakeAt: Infinity,
        done: false,
        resolve,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      state.waiters.add(waiter);
      this.#waitersByConsumer.set(consumer, waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      waiter.deadline = this.#clock.after(waitMs, () => this.#finish(waiter, []));
      this.#check(waiter);
    });
  }

  /** Leases what the waiter can take now, or (re)arms its timer for the next lease expiry or nak delay. */
  #check(waiter: Waiter): void {
    if (waiter.done) return;
    const now = this.#clock.now();
    const { leases, nextAt } = waiter.group.lease(waiter.state.log, waiter.partitions, waiter.ackWaitMs, now);
    if (leases.length > 0) {
      this.#finish(waiter, leases);
      return;
    }
    if (waiter.wake !== undefined && waiter.wakeAt === nextAt) return;
    waiter.wake?.cancel();
    waiter.wake = undefined;
    waiter.wakeAt = nextAt;
    if (Number.isFinite(nextAt)) {
      waiter.wake = this.#clock.after(Math.max(0, nextAt - now), () => {
        waiter.wake = undefined;
        this.#check(waiter);
      });
    }
  }

  #finish(waiter: Waiter, leases: Lease[]): void {
    if (waiter.done) return;
    waiter.done = true;
    waiter.deadline?.cancel();
    waiter.wake?.cancel();
    waiter.cleanup();
    waiter.state.waiters.delete(waiter);
    if (this.#waitersByConsumer.get(waiter.consumer) === waiter)
      this.#waitersByConsumer.delete(waiter.consumer);
    waiter.resolve(leases);
  }

  #wakeGroup(state: StreamState, group: ConsumerGroup): void {
    for (const waiter of [...state.waiters]) if (waiter.group === group) this.#check(waiter);
  }

  /** The consumer acked or nakked `partition`: its outstanding long-poll (or its next one) may take it again. */
  #grant(consumer: string | undefined, state: StreamState, group: ConsumerGroup, partition: number): void {
    if (consumer === undefined || this.#isCancelled(consumer)) return;
    const waiter = this.#waitersByConsumer.get(consumer);
    if (waiter !== undefined && waiter.state === state && waiter.group === group) {
      waiter.partitions.add(partition);
      return;
    }
    const now = this.#clock.now();
    if (this.#grants.size > 1000) {
      for (const [id, grant] of this.#grants) if (grant.expiresAt <= now) this.#grants.delete(id);
    }
    const grant = this.#grants.get(consumer);
    if (grant !== undefined && grant.stream === state.name && grant.group === group.name) {
      grant.partitions.add(partition);
      grant.expiresAt = now + GRANT_TTL_MS;
    } else {
      this.#grants.set(consumer, {
        stream: state.name,
        group: group.name,
        partitions: new Set([partition]),
        expiresAt: now + GRANT_TTL_MS,
      });
    }
  }

  #takeGrants(consumer: string, stream: string, group: string): Iterable<number> {
    const grant = this.#grants.get(consumer);
    if (grant === undefined) return [];
    this.#grants.delete(consumer);
    if (grant.stream !== stream || grant.group !== group || grant.expiresAt <= this.#clock.now()) return [];
    return grant.partitions;
  }

  #isCancelled(consumer: string): boolean {
    const until = this.#cancelled.get(consumer);
    if (until === undefined) return false;
    if (until > this.#clock.now()) return true;
    this.#cancelled.delete(consumer);
    return false;
  }

  #settleTarget(request: SettleRequest): {
    state: StreamState;
    group: ConsumerGroup | undefined;
    lease: Lease;
  } {
    const lease = checkSettle(request);
    this.#assertOpen();
    const state = this.#stream(request.stream);
    return { state, group: state.groups.get(request.group), lease };
  }

  async ack(request: SettleRequest): Promise<boolean> {
    const { state, group, lease } = this.#settleTarget(request);
    if (group === undefined || !group.ack(state.log, lease)) {
      this.#stats.staleSettlements++;
      return false;
    }
    this.#stats.acks++;
    this.#grant(request.consumer, state, group, lease.partition);
    this.#wakeGroup(state, group);
    await group.persist();
    return true;
  }

  async nak(request: NakRequest): Promise<boolean> {
    const { state, group, lease } = this.#settleTarget(request);
    const delayMs = checkInteger('delayMs', request.delayMs, 0, MAX_DELAY_MS);
    if (group === undefined || !group.nak(state.log, lease, delayMs, this.#clock.now())) {
      this.#stats.staleSettlements++;
      return false;
    }
    this.#stats.naks++;
    this.#grant(request.consumer, state, group, lease.partition);
    this.#wakeGroup(state, group);
    await group.persist();
    return true;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async: errors become rejections
  async cancelFetch(stream: string, group: string, consumer: string): Promise<void> {
    assertStreamName(stream);
    assertGroupName(group);
    if (typeof consumer !== 'string' || !CONSUMER_ID.test(consumer))
      invalid('consumer must be 1-128 printable ASCII characters');
    const now = this.#clock.now();
    if (this.#cancelled.size > 1000) {
      for (const [id, until] of this.#cancelled) if (until <= now) this.#cancelled.delete(id);
    }
    this.#cancelled.set(consumer, now + CANCELLED_TTL_MS);
    this.#grants.delete(consumer);
    const waiter = this.#waitersByConsumer.get(consumer);
    if (waiter) this.#finish(waiter, []);
  }

  stats(): BrokerStats {
    let waiting = 0;
    for (const state of this.#streams.values()) waiting += state.waiters.size;
    return { streams: this.#streams.size, ...this.#stats, waiting };
  }

  close(): Promise<void> {
    this.#closing ??= this.#closeAll();
    return this.#closing;
  }

  async #closeAll(): Promise<void> {
    this.#closed = true;
    for (const state of this.#streams.values())
      for (const waiter of [...state.waiters]) this.#finish(waiter, []);
    await Promise.allSettled([...this.#creating.values()]);
    for (const state of this.#streams.values()) {
      await Promise.all([...state.groups.values()].map((group) => group.idle()));
      await state.log.close();
    }
    if (this.#lockPath) {
      await unlink(this.#lockPath).catch(() => {});
      openDirectories.delete(await realpath(this.dir).catch(() => this.dir));
    }
  }
}

/**
 * Opens the embedded broker on `options.dir`, recovering its streams (a torn last line of a log is dropped)
 * and consumer groups. Only one broker may use a directory at a time.
 */
export async function createEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const broker = new Broker(options);
  await broker.open();
  return broker;
}
