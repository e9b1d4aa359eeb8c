import type { Database } from '@opsloop/store';
import type { MailRow } from './deliverer.js';
import type { MailTemplate, NotificationsTables } from './tables.js';

/** Largest page of {@link NotificationQueries.list}. */
export const MAX_PAGE_SIZE = 100;

/** A mail as operators see it. */
export interface Notification {
  id: string;
  eventId: string;
  eventType: string;
  userId: string;
  to: string;
  template: MailTemplate;
  subject: string;
  body: string;
  createdAt: Date;
  deliveredAt: Date | null;
}

/** Options of {@link NotificationQueries.list}. */
export interface ListNotificationsOptions {
  /** Only this user's mail. */
  userId?: string | undefined;
  /** 1 to {@link MAX_PAGE_SIZE}. */
  limit: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string | undefined;
}

/** A page of mail, newest first. */
export interface NotificationPage {
  items: Notification[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

/** The read side of the service. */
export interface NotificationQueries {
  list(options: ListNotificationsOptions): Promise<NotificationPage>;
  get(id: string): Promise<Notification | undefined>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Encodes a keyset position (`created_at`, `id`) as an opaque cursor. */
export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`, 'utf8').toString('base64url');
}

/** Decodes a cursor of {@link encodeCursor}, or undefined when it is not one. */
export function decodeCursor(cursor: string): { createdAt: Date; id: string } | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  const [at, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (at === undefined || id === undefined || rest.length > 0 || !UUID.test(id)) return undefined;
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(at)) return undefined;
  const createdAt = new Date(at);
  return Number.isNaN(createdAt.getTime()) ? undefined : { createdAt, id };
}

function toNotification(row: MailRow): Notification {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    userId: row.to_user_id,
    to: row.to_address,
    template: row.template,
    subject: row.subject,
    body: row.body,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}

/** Creates the read side over the service's database. Inputs are validated by the routes. */
export function createNotificationQueries(database: Database<NotificationsTables>): NotificationQueries {
  return {
    async list({ userId, limit, cursor }) {
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      if (cursor !== undefined && after === undefined) throw new RangeError('not a cursor of this list');
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE)
        throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
      let query = database.db
        .selectFrom('mail')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1);
      if (userId !== undefined) query = query.where('to_user_id', '=', userId);
      if (after !== undefined)
        query = query.where((eb) =>
          eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.createdAt, after.id)),
        );
      const rows = await query.execute();
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map(toNotification),
        nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.created_at, last.id) : null,
      };
    },
    async get(id) {
      const row = await database.db.selectFrom('mail').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toNotification(row);
    },
  };
}
