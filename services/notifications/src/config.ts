import { join } from 'node:path';
import { z } from 'zod';
import { busConfigSchema } from '@opsloop/bus';
import { DEFAULT_DATA_DIR, storeConfigSchema } from '@opsloop/store';
import { DEFAULT_DELIVERY_POLL_INTERVAL_MS, DEFAULT_MAIL_FROM } from './deliverer.js';

const milliseconds = z.coerce
  .number({ error: 'expected milliseconds' })
  .int('expected milliseconds')
  .min(0, 'expected milliseconds ≥ 0')
  .max(86_400_000, 'expected at most 24 h');

/** The notifications service's configuration: the store's and the bus's variables plus its own. */
export const notificationsConfigSchema = storeConfigSchema.extend(busConfigSchema.shape).extend({
  /** Where `.eml` files are written; `<DATA_DIR>/mail-sink` by default. */
  MAIL_SINK_DIR: z.string().min(1, 'expected a directory').optional(),
  /** The `From` header of every mail. */
  MAIL_FROM: z
    .string()
    .regex(/^[\x20-\x7e]{3,200}$/, 'expected 3-200 printable ASCII characters')
    .default(DEFAULT_MAIL_FROM),
  /** How often the deliverer looks for undelivered mail when no new mail wakes it. */
  MAIL_POLL_INTERVAL_MS: milliseconds
    .min(10, 'expected at least 10 ms')
    .default(DEFAULT_DELIVERY_POLL_INTERVAL_MS),
  /** Attempts at an event before the bus dead-letters it. */
  NOTIFICATIONS_MAX_DELIVER: z.coerce
    .number({ error: 'expected an integer' })
    .int('expected an integer')
    .min(1, 'expected 1-1000')
    .max(1000, 'expected 1-1000')
    .default(5),
  /** Delays before redeliveries, comma-separated milliseconds (the last one repeats). */
  NOTIFICATIONS_RETRY_BACKOFF_MS: z
    .string()
    .regex(/^\d{1,8}(,\d{1,8}){0,99}$/, 'expected comma-separated milliseconds, e.g. 1000,5000,30000')
    .default('1000,5000,30000')
    .transform((text) => text.split(',').map(Number))
    .pipe(z.array(z.number().int().max(86_400_000, 'expected delays of at most 24 h'))),
});

/** The notifications service's settings. */
export type NotificationsConfig = z.infer<typeof notificationsConfigSchema>;

/** The mail sink directory of a config: `MAIL_SINK_DIR`, else `<DATA_DIR>/mail-sink`. */
export function mailSinkDirOf(config: Pick<NotificationsConfig, 'MAIL_SINK_DIR' | 'DATA_DIR'>): string {
  return config.MAIL_SINK_DIR ?? join(config.DATA_DIR ?? DEFAULT_DATA_DIR, 'mail-sink');
}
