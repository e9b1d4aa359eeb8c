import { systemClock, type Clock, type Logger, type TimerHandle } from '@opsloop/kit';
import type { Database } from '@opsloop/store';
import type { Selectable } from 'kysely';
import { messageIdFor, renderEml } from './eml.js';
import type { MailSink } from './mail-sink.js';
import type { NotificationsTables } from './tables.js';

/** A row of the `mail` table. */
export type MailRow = Selectable<NotificationsTables['mail']>;

/** Default `From` of every mail. */
export const DEFAULT_MAIL_FROM = 'opsloop shop <shop@opsloop.invalid>';
/** Mails read per query by the deliverer. */
export const DEFAULT_DELIVERY_BATCH_SIZE = 50;
/** How often the deliverer looks for undelivered mail when nothing wakes it. */
export const DEFAULT_DELIVERY_POLL_INTERVAL_MS = 1000;
/** Temporary files older than this at start-up are leftovers of a crash. */
export const STALE_TEMPORARY_MS = 60_000;

/**
 * The `.eml` text of a mail. Everything in it comes from the row (the `Date` is `created_at`), so writing
 * the same mail twice gives the same bytes.
 */
export function emlOf(mail: MailRow, from: string): string {
  return renderEml({
    from,
    to: mail.to_address,
    subject: mail.subject,
    date: mail.created_at,
    messageId: messageIdFor(mail.event_id),
    body: mail.body,
    headers: [
      ['X-Opsloop-Event-Type', mail.event_type],
      ['X-Opsloop-Mail-Id', mail.id],
      ['X-Opsloop-User-Id', mail.to_user_id],
    ],
  });
}

/** Counters of a {@link MailDeliverer}, since it was created. */
export interface DelivererStats {
  /** Mails written and marked delivered. */
  delivered: number;
  /** Files written (more than `delivered` when a mail was rewritten, e.g. by two deliverers at once). */
  written: number;
  /** Passes that stopped on an error (retried at the next poll). */
  failures: number;
  lastError: string | null;
}

/** Options of {@link createMailDeliverer}. */
export interface MailDelivererOptions {
  database: Database<NotificationsTables>;
  sink: MailSink;
  /** The `From` header (default {@link DEFAULT_MAIL_FROM}). */
  from?: string;
  /** Schedules polls and stamps `delivered_at`; the system clock by default. */
  clock?: Clock;
  log?: Logger;
  batchSize?: number;
  pollIntervalMs?: number;
}

/**
 * Writes undelivered mail to the sink, then marks it delivered. A crash between the two leaves the mail
 * undelivered: the next pass writes it again over the same file name (its id) with the same bytes, so the
 * sink never holds two files for one mail.
 */
export interface MailDeliverer {
  /** Starts the loop: a pass now (after removing stale temporary files), then one per poll interval. */
  start(): void;
  /** Runs a pass soon (after a mail was committed) instead of at the next poll. */
  notify(): void;
  /** Stops the loop and waits for the pass in flight. */
  stop(): Promise<void>;
  /** One pass: delivers undelivered mail, oldest first, until none is left; resolves to the number marked. */
  deliverPending(): Promise<number>;
  /** The pieces of a pass, for tests and tools: the oldest undelivered mails… */
  pending(limit?: number): Promise<MailRow[]>;
  /** …writing one as `<id>.eml` (atomically; resolves to its path)… */
  writeFile(mail: MailRow): Promise<string>;
  /** …and marking it delivered (false when it already was). */
  markDelivered(mailId: string): Promise<boolean>;
  stats(): DelivererStats;
}

/** Creates a {@link MailDeliverer}. */
export function createMailDeliverer(options: MailDelivererOptions): MailDeliverer {
  const { database, sink, log } = options;
  const from = options.from ?? DEFAULT_MAIL_FROM;
  const clock = options.clock ?? systemClock;
  const batchSize = options.batchSize ?? DEFAULT_DELIVERY_BATCH_SIZE;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_DELIVERY_POLL_INTERVAL_MS;
  const stats: DelivererStats = { delivered: 0, written: 0, failures: 0, lastError: null };

  let stopped = true;
  let cleaned = false;
  let again = false;
  let timer: TimerHandle | undefined;
  let running: Promise<void> | undefined;

  const pending = (limit = batchSize): Promise<MailRow[]> =>
    database.db
      .selectFrom('mail')
      .selectAll()
      .where('delivered_at', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();

  const writeFile = async (mail: MailRow): Promise<string> => {
    const path = await sink.write(mail.id, emlOf(mail, from));
    stats.written++;
    return path;
  };

  const markDelivered = async (mailId: string): Promise<boolean> => {
    const result = await database.db
      .updateTable('mail')
      .set({ delivered_at: new Date(clock.now()) })
      .where('id', '=', mailId)
      .where('delivered_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  };

  const deliverPending = async (): Promise<number> => {
    let marked = 0;
    for (;;) {
      const batch = await pending();
      for (const mail of batch) {
        await writeFile(mail);
        if (await markDelivered(mail.id)) {
          marked++;
          stats.delivered++;
          log?.info(
            { mail_id: mail.id, event_id: mail.event_id, template: mail.template },
            'mail delivered to the sink',
          );
        }
      }
      // A full batch may hide more; a short one was the end of the queue.
      if (batch.length < batchSize || stopped) return marked;
    }
  };

  const schedule = (ms: number): void => {
    timer?.cancel();
    timer = clock.after(ms, () => {
      timer = undefined;
      kick();
    });
  };

  const pass = async (): Promise<void> => {
    if (!cleaned) {
      cleaned = true;
      const removed = await sink.removeStaleTemporaries(STALE_TEMPORARY_MS, clock.now());
      if (removed > 0) log?.info({ removed }, 'stale temporary mail files removed');
    }
    do {
      again = false;
      await deliverPending();
    } while (again && !stopped);
  };

  const kick = (): void => {
    if (stopped) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = pass()
      .catch((error: unknown) => {
        stats.failures++;
        stats.lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        log?.error({ err: error }, 'mail delivery failed; retrying at the next poll');
      })
      .finally(() => {
        running = undefined;
        if (!stopped) schedule(pollIntervalMs);
      });
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      kick();
    },
    notify() {
      if (stopped) return;
      timer?.cancel();
      timer = undefined;
      kick();
    },
    async stop() {
      stopped = true;
      timer?.cancel();
      timer = undefined;
      await running;
    },
    deliverPending,
    pending,
    writeFile,
    markDelivered,
    stats: () => ({ ...stats }),
  };
}
