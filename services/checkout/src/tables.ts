import type { ColumnType } from 'kysely';
import type { OutboxTables } from '@opsloop/outbox';
import type { FailureReason, ForwardStep, SagaState, SagaStep } from './saga-machine.js';

/** A timestamp column written and read as a `Date`. */
type Timestamp = ColumnType<Date, Date, Date>;

/** One priced line as stored in a saga row (jsonb). */
export interface StoredLine {
  productId: string;
  quantity: number;
  unitPrice: { amountMinor: number; currency: string };
}

/** The checkout service's Kysely table map (see `migrations.ts` for the DDL and its constraints). */
export interface CheckoutTables extends OutboxTables {
  /** One checkout saga: what it is doing, what it has learned, and who is running it. */
  checkout_saga: {
    id: string;
    user_id: string;
    idempotency_key: string;
    /** The saga the (user, key) pair points to; a retry after a retryable failure supersedes it. */
    key_active: boolean;
    /** SHA-256 of the canonical request: same key with another request is a conflict. */
    request_hash: string;
    source: 'cart' | 'lines';
    /** The cart version read (cart checkouts), for ClearCart's if_version. */
    cart_version: number | null;
    lines: StoredLine[];
    currency: string;
    subtotal_minor: number;
    discount_minor: number;
    total_minor: number;
    order_id: string;
    reservation_id: string;
    payment_id: string | null;
    reservation_expires_at: Timestamp | null;
    state: SagaState;
    /** The step being run (or to run next); the last step run once the saga is terminal. */
    step: SagaStep;
    failure_reason: FailureReason | null;
    failure_step: ForwardStep | null;
    /** Details of the failure for the answer (shortages, decline reason). */
    failure_detail: Record<string, unknown> | null;
    /** Attempts of the current step so far (reset when the step changes). */
    attempts: number;
    last_error: string | null;
    last_error_at: Timestamp | null;
    /** When the recovery loop may run the saga again (after a parked failure). */
    next_attempt_at: Timestamp | null;
    lease_owner: string | null;
    lease_token: string | null;
    lease_until: Timestamp | null;
    /** The HTTP answer, once decided (replayed for the same Idempotency-Key). */
    answer_status: number | null;
    answer_body: Record<string, unknown> | null;
    /** Incremented by every persisted change; the step log's sequence. */
    version: number;
    created_at: Timestamp;
    updated_at: Timestamp;
    /** The W3C `traceparent` of the request that started the saga (migration 0002). */
    traceparent: string | null;
    finished_at: Timestamp | null;
  };
  /** One row per step outcome of a saga: its audit trail. */
  checkout_saga_step: {
    saga_id: string;
    /** The saga version this entry produced. */
    seq: number;
    step: SagaStep;
    /** `done`, `failed`, `retry`, `parked`, `skipped` or `lease-lost`. */
    outcome: string;
    attempt: number;
    /** The error (participant, code, message) of a failed or retried attempt. */
    error: string | null;
    duration_ms: number;
    instance: string;
    at: Timestamp;
  };
}
