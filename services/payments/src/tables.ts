import type { ColumnType } from 'kysely';

/** The states of a payment: `authorized → captured → refunded`, `authorized → voided`; `declined` is final. */
export type PaymentStatus = 'authorized' | 'declined' | 'captured' | 'voided' | 'refunded';

/** The operations an idempotency key can be used for. */
export type PaymentOperation = 'authorize' | 'capture' | 'void' | 'refund';

/** The state of an idempotency record: claimed by a request in flight, or holding its stored answer. */
export type IdempotencyState = 'in-progress' | 'done';

type Timestamp = ColumnType<Date, Date, Date>;
type NullableTimestamp = ColumnType<Date | null, Date | null | undefined, Date | null>;

/** The payments' Kysely table map (see `migrations.ts` for the DDL and its constraints). */
export interface PaymentsTables {
  /** One payment: an authorization and what happened to it since. */
  payment: {
    id: string;
    order_id: string;
    amount_minor: number;
    currency: string;
    status: PaymentStatus;
    provider_reference: string | null;
    decline_reason: string | null;
    /** The card provider that authorized it (`primary` for rows older than failover). */
    provider: ColumnType<string, string | undefined, string>;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  /** One idempotency key: who claimed it, the hash of its request and, once done, the stored answer. */
  idempotency: {
    key: string;
    operation: PaymentOperation;
    request_hash: string;
    state: IdempotencyState;
    claim_token: string;
    claimed_at: Timestamp;
    /** The replica (`OPSLOOP_INSTANCE`) that holds the claim, when known. */
    claimed_by: string | null;
    /** The stored answer (a JSON `Payment`), set in the same transaction as the effect. */
    answer: string | null;
    payment_id: string | null;
    completed_at: NullableTimestamp;
  };
}
