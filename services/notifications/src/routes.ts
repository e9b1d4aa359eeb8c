import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { parseInput, ProblemError } from '@opsloop/kit';
import { decodeCursor, MAX_PAGE_SIZE, type Notification, type NotificationQueries } from './notifications.js';

/** Page size of `GET /api/notifications` when the request does not say. */
export const DEFAULT_PAGE_SIZE = 20;
/** Longest user id a query may filter on. */
export const MAX_USER_ID_LENGTH = 256;

/** The query of `GET /api/notifications`. */
export const listNotificationsQuerySchema = z.object({
  userId: z
    .string('must be a user id')
    .min(1, 'must not be empty')
    .max(MAX_USER_ID_LENGTH, `must have at most ${MAX_USER_ID_LENGTH} characters`)
    .optional(),
  limit: z.coerce
    .number('must be an integer')
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`)
    .default(DEFAULT_PAGE_SIZE),
  cursor: z
    .string('must be a cursor')
    .refine((cursor) => decodeCursor(cursor) !== undefined, 'must be the nextCursor of a previous page')
    .optional(),
});

const notificationParams = z.object({ id: z.uuid('must be a notification id (UUID)') });

/** A mail as the API shows it (timestamps as ISO strings). */
export interface NotificationView extends Omit<Notification, 'createdAt' | 'deliveredAt'> {
  createdAt: string;
  deliveredAt: string | null;
}

function view(notification: Notification): NotificationView {
  return {
    ...notification,
    createdAt: notification.createdAt.toISOString(),
    deliveredAt: notification.deliveredAt?.toISOString() ?? null,
  };
}

/** What `GET /api/notifications/stats` answers. */
export type StatsView = Record<string, unknown>;

/**
 * Registers the operators' read API. It is internal (the gateway does not route it): mail holds users'
 * addresses, and there is no authorization yet.
 */
export function registerNotificationsRoutes(
  app: FastifyInstance,
  queries: NotificationQueries,
  stats: () => StatsView,
): void {
  app.get('/api/notifications', async (request) => {
    const query = parseInput(listNotificationsQuerySchema, request.query, 'query');
    const page = await queries.list(query);
    return { items: page.items.map(view), nextCursor: page.nextCursor };
  });

  // A static route: it wins over `/:id`, and `stats` is never a UUID.
  app.get('/api/notifications/stats', () => stats());

  app.get('/api/notifications/:id', async (request): Promise<NotificationView> => {
    const { id } = parseInput(notificationParams, request.params, 'path');
    const notification = await queries.get(id.toLowerCase());
    if (notification === undefined)
      throw new ProblemError('resourceNotFound', { detail: `no notification with id ${id}` });
    return view(notification);
  });
}
