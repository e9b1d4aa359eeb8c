import type { ColumnType } from 'kysely';
import type { OutboxTables } from '@opsloop/outbox';

/** A timestamp column written and read as a `Date`. */
type Timestamp = ColumnType<Date, Date, Date>;

/** The email templates, one per handled event type. */
export type MailTemplate = 'welcome' | 'order-placed' | 'order-cancelled' | 'payment-failed';

/** The notifications service's Kysely table map (see `migrations.ts` for the DDL). */
export interface NotificationsTables extends OutboxTables {
  /** One email per handled event (`event_id` unique), written in the transaction of the event's inbox row. */
  mail: {
    /** UUIDv7; also the name of the `.eml` file in the mail sink. */
    id: string;
    /** The event the mail was made from (its Message-ID). */
    event_id: string;
    event_type: string;
    to_user_id: string;
    /** The address the mail is sent to, fixed when the mail is made (so a rewrite is byte-identical). */
    to_address: string;
    template: MailTemplate;
    subject: string;
    body: string;
    created_at: Timestamp;
    /** When the file was written to the mail sink; null while pending. */
    delivered_at: ColumnType<Date | null, Date | null, Date | null>;
  };
  /** The address of each user, fed by `user.registered.v1`. */
  recipient: {
    user_id: string;
    email: string;
    updated_at: Timestamp;
  };
}
