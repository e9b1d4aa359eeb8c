import type { Delivery } from '@opsloop/bus';
import { parseShopEventData } from '@opsloop/contracts';
import type { Logger } from '@opsloop/kit';
import { createInboxHandler } from '@opsloop/outbox';
import type { Database } from '@opsloop/store';
import type { Transaction } from 'kysely';
import { ZodError } from 'zod';
import { fallbackAddress } from './eml.js';
import { uuidv7 } from './ids.js';
import type { NotificationsTables } from './tables.js';
import { isMailEventType, renderMail, type MailEvent } from './templates.js';

/** The consumer group of the service on every stream, and its inbox consumer name. */
export const NOTIFICATIONS_GROUP = 'notifications';

/**
 * Raised for an event of a handled type whose data does not match its schema. It can never succeed, but it
 * is thrown like any failure so that the bus dead-letters it after `maxDeliver` attempts (the bus decides
 * what a failure means; see the README's limitations).
 */
export class MalformedEventError extends Error {
  override readonly name = 'MalformedEventError';
}

/** What {@link MailIntake.handle} did with a delivery. */
export type IntakeResult = 'created' | 'duplicate' | 'ignored';

/** Counters of a {@link MailIntake}, since it was created. */
export interface IntakeStats {
  /** Mails created (one per new event). */
  created: number;
  /** Deliveries of events already handled (redeliveries). */
  duplicates: number;
  /** Events of types this service does not mail, acknowledged without effect. */
  unknown: number;
  /** Deliveries whose data failed validation (each attempt counts). */
  malformed: number;
}

/** Options of {@link createMailIntake}. */
export interface MailIntakeOptions {
  database: Database<NotificationsTables>;
  /** The mail's `created_at` (and its `Date` header) and the mail id's time; `Date.now` by default. */
  now?: () => number;
  log?: Logger;
}

/** Turns shop events into mail rows, once per event id. */
export interface MailIntake {
  /** A bus handler: resolves to acknowledge, throws to have the bus redeliver (and finally dead-letter). */
  handle(delivery: Delivery): Promise<IntakeResult>;
  stats(): IntakeStats;
}

type Trx = Transaction<NotificationsTables>;

async function addressOf(trx: Trx, event: MailEvent): Promise<string> {
  if (event.type === 'user.registered.v1') return event.data.email;
  const row = await trx
    .selectFrom('recipient')
    .select('email')
    .where('user_id', '=', event.data.userId)
    .executeTakeFirst();
  return row?.email ?? fallbackAddress(event.data.userId);
}

/** The validated event of a delivery, or undefined for a type this service does not mail. */
function mailEventOf(delivery: Delivery): MailEvent | undefined {
  const { type, data } = delivery.event;
  if (!isMailEventType(type)) return undefined;
  try {
    return { type, data: parseShopEventData(type, data) } as MailEvent;
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    const fields = error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new MalformedEventError(`${type} ${delivery.event.id}: invalid data (${fields})`, { cause: error });
  }
}

/**
 * Creates the intake: each delivery of a mailed event type inserts one `mail` row (and, for
 * `user.registered.v1`, upserts the user's `recipient` row) in the transaction that records the event in the
 * inbox, so a redelivered or concurrently delivered event never makes a second mail. Unknown types are
 * acknowledged and counted; malformed data throws {@link MalformedEventError}.
 */
export function createMailIntake(options: MailIntakeOptions): MailIntake {
  const { database, log } = options;
  const now = options.now ?? Date.now;
  const stats: IntakeStats = { created: 0, duplicates: 0, unknown: 0, malformed: 0 };

  return {
    async handle(delivery) {
      let event: MailEvent | undefined;
      try {
        event = mailEventOf(delivery);
      } catch (error) {
        if (error instanceof MalformedEventError) {
          stats.malformed++;
          log?.warn(
            { event_id: delivery.event.id, stream: delivery.stream, attempt: delivery.attempt, err: error },
            'malformed event: it will be dead-lettered',
          );
        }
        throw error;
      }
      if (event === undefined) {
        stats.unknown++;
        log?.info(
          { event_id: delivery.event.id, event_type: delivery.event.type, stream: delivery.stream },
          'event type not mailed: acknowledged',
        );
        return 'ignored';
      }
      const mailEvent = event;
      let created = false;
      const handler = createInboxHandler<unknown, NotificationsTables>({
        database,
        consumer: NOTIFICATIONS_GROUP,
        ...(log === undefined ? {} : { log }),
        handler: async (_delivery, trx) => {
          // Set on every run of the effect: the store may re-run the transaction, only the last one commits.
          created = false;
          const at = new Date(now());
          if (mailEvent.type === 'user.registered.v1') {
            await trx
              .insertInto('recipient')
              .values({ user_id: mailEvent.data.userId, email: mailEvent.data.email, updated_at: at })
              .onConflict((oc) =>
                oc.column('user_id').doUpdateSet({ email: mailEvent.data.email, updated_at: at }),
              )
              .execute();
          }
          const rendered = renderMail(mailEvent);
          const inserted = await trx
            .insertInto('mail')
            .values({
              id: uuidv7(at.getTime()),
              event_id: delivery.event.id,
              event_type: mailEvent.type,
              to_user_id: mailEvent.data.userId,
              to_address: await addressOf(trx, mailEvent),
              template: rendered.template,
              subject: rendered.subject,
              body: rendered.body,
              created_at: at,
              delivered_at: null,
            })
            // The inbox already makes this once per event; the unique event id is the second lock on the door
            // (e.g. after inbox rows are purged one day).
            .onConflict((oc) => oc.column('event_id').doNothing())
            .returning('id')
            .executeTakeFirst();
          created = inserted !== undefined;
        },
      });
      await handler(delivery);
      if (created) stats.created++;
      else stats.duplicates++;
      return created ? 'created' : 'duplicate';
    },
    stats: () => ({ ...stats }),
  };
}
