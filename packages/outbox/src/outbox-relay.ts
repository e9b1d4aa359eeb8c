import { BusError, type EventBus, type EventEnvelope } from '@opsloop/bus';
import { context, ROOT_CONTEXT, systemClock, type Clock, type Logger, type TimerHandle } from '@opsloop/kit';
import type { Database } from '@opsloop/store';
import { sql, type Kysely } from 'kysely';
import { createMutex, mutexOf, type Mutex } from './mutex.js';
import type { OutboxTables } from './tables.js';

/** Default {@link OutboxRelayOptions.batchSize}. */
export const DEFAULT_RELAY_BATCH_SIZE = 100;
/** Default {@link OutboxRelayOptions.pollIntervalMs}. */
export const DEFAULT_RELAY_POLL_INTERVAL_MS = 250;
/** Default {@link OutboxRelayOptions.maxPollIntervalMs}. */
export const DEFAULT_RELAY_MAX_POLL_INTERVAL_MS = 2_000;
/** Default {@link OutboxRelayOptions.retryBackoffMs}. */
export const DEFAULT_RELAY_RETRY_BACKOFF_MS: readonly number[] = [250, 1_000, 5_000, 15_000, 60_000];
/**
 * First key of the PostgreSQL advisory lock the relays of one schema share (the second key is
 * `hashtext(current_schema())`): ASCII `obx0`.
 */
export const OUTBOX_LOCK_CLASS = 0x6f627830;

const MAX_ERROR_LENGTH = 1000;
/** Bus errors that say the bus, not the event, is the problem: the rest of the batch would fail too. */
const BUS_DOWN_CODES = new Set(['unavailable', 'closed', 'unauthorized']);

/** Options of {@link createOutboxRelay}. */
export interface OutboxRelayOptions<DB = unknown> {
  /** The service's database, with {@link outboxMigrations} applied. */
  database: Database<DB>;
  /** The bus the outbox is published to. */
  bus: EventBus;
  /** Logs publish failures (warn) and relay errors (error). */
  log?: Logger;
  /** Time source for `published_at`, back-off and polling (default: the system clock). */
  clock?: Clock;
  /** Rows read and published per batch (default 100). */
  batchSize?: number;
  /** Delay between polls while there is work or after a wake-up (default 250 ms). */
  pollIntervalMs?: number;
  /** Longest delay between polls: an idle relay doubles its delay up to this (default 2000 ms). */
  maxPollIntervalMs?: number;
  /** Delay before retrying a row after its n-th failed publish (default 250 ms … 60 s; the last repeats). */
  retryBackoffMs?: readonly number[];
}

/** Counters of one relay since it was created. */
export interface OutboxRelayStats {
  /** Whether the polling loop is started. */
  running: boolean;
  /** Rows published and marked. */
  published: number;
  /** Of those, publishes the bus reported as duplicates (a re-publish after a crash or a lost answer). */
  duplicates: number;
  /** Failed publish attempts (each recorded in the row's `attempts` and `last_error`). */
  failures: number;
  /** Batches run (including those that found nothing or did not get the lock). */
  batches: number;
  /** Batches skipped because another relay held the lock (PostgreSQL). */
  lockMisses: number;
  /** The last publish or relay error, if any. */
  lastError: string | undefined;
}

/** A running or stopped outbox relay; see {@link createOutboxRelay}. */
export interface OutboxRelay {
  /** Starts the polling loop (idempotent); the first poll runs at once. */
  start(): void;
  /** Stops the polling loop and waits for the batch in progress (idempotent). `start()` may follow. */
  stop(): Promise<void>;
  /** Wakes the polling loop now (call it after committing a transaction that enqueued events). */
  notify(): void;
  /**
   * Publishes what is pending and due now, batch after batch, and resolves with the number of rows
   * published. Rows in back-off (and the rows of their keys behind them) wait. On PostgreSQL it publishes
   * nothing while another relay holds the lock. Works whether or not the loop is started.
   */
  flush(): Promise<number>;
  /** Deletes rows published more than `olderThanMs` ago; resolves with how many were deleted. */
  purgePublished(olderThanMs: number): Promise<number>;
  /** The relay's counters. */
  stats(): OutboxRelayStats;
}

interface PendingRow {
  seq: number;
  event_id: string;
  stream: string;
  type: string;
  key: string;
  data: unknown;
  headers: Record<string, string> | null;
  time: string;
  attempts: number;
}

interface BatchResult {
  /** Rows published. */
  published: number;
  /** Rows read (published or not). */
  read: number;
  /** Whether another relay held the lock. */
  lockMissed: boolean;
  /** Whether some publish failed. */
  failed: boolean;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

function describeError(error: unknown): string {
  const text =
    error instanceof BusError
      ? `${error.name} (${error.code}): ${error.message}`
      : error instanceof Error
        ? `${error.name}: ${error.message}`
        : String(error);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

/**
 * Creates the outbox relay of one service: it publishes pending `outbox` rows to the bus in `seq` order
 * and marks them `published_at`. Guarantees:
 *
 * - at-least-once: a row is marked only after the bus stored the event; a crash in between re-publishes it
 *   with the same event id, which the bus dedupes (within its dedupe window);
 * - per-key order: a row that failed is retried after a back-off (`attempts`, `last_error`,
 *   `next_attempt_at` record it) and no later row of the same stream and key is published before it;
 * - one publisher at a time: on PostgreSQL each batch runs in a transaction holding
 *   `pg_try_advisory_xact_lock(OUTBOX_LOCK_CLASS, hashtext(schema))` (a relay that does not get it skips
 *   the batch), so replicas can all run a relay; on PGlite (one process per data directory) the batches of
 *   the relays of one `Database` run one after another, outside any transaction.
 */
export function createOutboxRelay<DB>(options: OutboxRelayOptions<DB>): OutboxRelay {
  const database = options.database as unknown as Database<OutboxTables>;
  const { bus, log } = options;
  const clock = options.clock ?? systemClock;
  const batchSize = positiveInteger('batchSize', options.batchSize ?? DEFAULT_RELAY_BATCH_SIZE);
  const pollIntervalMs = positiveInteger(
    'pollIntervalMs',
    options.pollIntervalMs ?? DEFAULT_RELAY_POLL_INTERVAL_MS,
  );
  const maxPollIntervalMs = Math.max(
    pollIntervalMs,
    positiveInteger('maxPollIntervalMs', options.maxPollIntervalMs ?? DEFAULT_RELAY_MAX_POLL_INTERVAL_MS),
  );
  const retryBackoffMs = [...(options.retryBackoffMs ?? DEFAULT_RELAY_RETRY_BACKOFF_MS)];
  if (retryBackoffMs.length === 0 || retryBackoffMs.some((ms) => !Number.isInteger(ms) || ms < 0)) {
    throw new RangeError('retryBackoffMs must be a non-empty list of non-negative integers');
  }
  // PGlite: one connection per process, so the relays of one Database take turns; PostgreSQL: the advisory
  // lock orders relays, and this relay's own batches (loop and flush) take turns.
  const mutex: Mutex = database.kind === 'pglite' ? mutexOf(database) : createMutex();

  const counters = { published: 0, duplicates: 0, failures: 0, batches: 0, lockMisses: 0 };
  let lastError: string | undefined;
  const ensuredStreams = new Set<string>();

  const backoff = (attempts: number): number =>
    retryBackoffMs[Math.min(Math.max(attempts, 1), retryBackoffMs.length) - 1] ?? 0;

  async function publishRows(q: Kysely<OutboxTables>): Promise<Omit<BatchResult, 'lockMissed'>> {
    const now = new Date(clock.now());
    const { rows } = await sql<PendingRow>`
      select o.seq, o.event_id, o.stream, o.type, o.key, o.data, o.headers, o.time, o.attempts
      from outbox o
      where o.published_at is null
        and (o.next_attempt_at is null or o.next_attempt_at <= ${now})
        and not exists (
          select 1 from outbox p
          where p.published_at is null and p.stream = o.stream and p.key = o.key and p.seq < o.seq
            and p.next_attempt_at > ${now}
        )
      order by o.seq
      limit ${batchSize}`.execute(q);
    const blocked = new Set<string>();
    let published = 0;
    let failed = false;
    for (const row of rows) {
      const orderKey = `${row.stream}\u0000${row.key}`;
      if (blocked.has(orderKey)) continue;
      const event: EventEnvelope = {
        id: row.event_id,
        type: row.type,
        key: row.key,
        time: row.time,
        data: row.data,
        ...(row.headers === null ? {} : { headers: row.headers }),
      };
      let duplicate: boolean;
      try {
        if (!ensuredStreams.has(row.stream)) {
          await bus.ensureStream(row.stream);
          ensuredStreams.add(row.stream);
        }
        ({ duplicate } = await bus.publish(row.stream, event));
      } catch (error) {
        failed = true;
        blocked.add(orderKey);
        const attempts = row.attempts + 1;
        const delay = backoff(attempts);
        lastError = describeError(error);
        counters.failures++;
        log?.warn(
          {
            err: error,
            event_id: row.event_id,
            stream: row.stream,
            seq: row.seq,
            attempts,
            retry_in_ms: delay,
          },
          'outbox publish failed',
        );
        await q
          .updateTable('outbox')
          .set({ attempts, last_error: lastError, next_attempt_at: new Date(clock.now() + delay) })
          .where('seq', '=', row.seq)
          .execute();
        if (error instanceof BusError && BUS_DOWN_CODES.has(error.code)) break;
        continue;
      }
      await q
        .updateTable('outbox')
        .set({ published_at: new Date(clock.now()), next_attempt_at: null })
        .where('seq', '=', row.seq)
        .execute();
      published++;
      counters.published++;
      if (duplicate) counters.duplicates++;
    }
    return { published, read: rows.length, failed };
  }

  function runBatch(): Promise<BatchResult> {
    return mutex.run(async () => {
      counters.batches++;
      if (database.kind === 'pglite') return { ...(await publishRows(database.db)), lockMissed: false };
      return database.transaction(
        async (trx) => {
          const { rows } = await sql<{ locked: boolean }>`
            select pg_try_advisory_xact_lock(${OUTBOX_LOCK_CLASS}::int4, hashtext(current_schema())) as locked`.execute(
            trx,
          );
          if (rows[0]?.locked !== true) {
            counters.lockMisses++;
            return { published: 0, read: 0, failed: false, lockMissed: true };
          }
          return { ...(await publishRows(trx)), lockMissed: false };
        },
        { retries: 0 },
      );
    });
  }

  /** Batches until one is not full; resolves with what they did together. */
  async function drain(): Promise<BatchResult> {
    const total: BatchResult = { published: 0, read: 0, failed: false, lockMissed: false };
    for (;;) {
      const batch = await runBatch();
      total.published += batch.published;
      total.read += batch.read;
      total.failed ||= batch.failed;
      total.lockMissed ||= batch.lockMissed;
      if (batch.lockMissed || batch.read < batchSize || batch.published === 0) return total;
    }
  }

  // The polling loop.
  let running = false;
  let timer: TimerHandle | undefined;
  let inFlight: Promise<void> | undefined;
  let wakeRequested = false;
  let idleDelayMs = pollIntervalMs;

  function schedule(ms: number): void {
    timer?.cancel();
    timer = clock.after(ms, () => {
      timer = undefined;
      // Outside any trace: a notify() from a request must not make the loop, and every poll after it, part
      // of that request's trace (queries would become its children). Events carry their own trace.
      context.with(ROOT_CONTEXT, tick);
    });
  }

  function tick(): void {
    if (!running) return;
    if (inFlight !== undefined) {
      wakeRequested = true;
      return;
    }
    inFlight = (async () => {
      let next: number;
      try {
        let busy = false;
        do {
          wakeRequested = false;
          const result = await drain();
          busy ||= result.published > 0 || result.failed;
        } while (wakeRequested && running);
        idleDelayMs = busy ? pollIntervalMs : Math.min(maxPollIntervalMs, idleDelayMs * 2);
        next = idleDelayMs;
      } catch (error) {
        lastError = describeError(error);
        log?.error({ err: error }, 'outbox relay batch failed');
        idleDelayMs = maxPollIntervalMs;
        next = maxPollIntervalMs;
      }
      if (running) schedule(wakeRequested ? 0 : next);
    })().finally(() => {
      inFlight = undefined;
    });
  }

  return {
    start() {
      if (running) return;
      running = true;
      idleDelayMs = pollIntervalMs;
      schedule(0);
    },
    async stop() {
      running = false;
      timer?.cancel();
      timer = undefined;
      await inFlight;
    },
    notify() {
      if (!running) return;
      idleDelayMs = pollIntervalMs;
      if (inFlight !== undefined) wakeRequested = true;
      else schedule(0);
    },
    async flush() {
      const result = await drain();
      return result.published;
    },
    async purgePublished(olderThanMs) {
      if (!Number.isFinite(olderThanMs) || olderThanMs < 0) {
        throw new RangeError('olderThanMs must be a non-negative number');
      }
      const before = new Date(clock.now() - olderThanMs);
      const result = await database.db
        .deleteFrom('outbox')
        .where('published_at', '<', before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    stats: () => ({ running, ...counters, lastError }),
  };
}
