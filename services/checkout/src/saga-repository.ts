import { sql, type ExpressionBuilder, type Selectable, type Transaction } from 'kysely';
import type { Database } from '@opsloop/store';
import type { SagaFailure, SagaState, SagaStep } from './saga-machine.js';
import type { CheckoutTables, StoredLine } from './tables.js';

/** A saga as the service sees it (the row, in camelCase). */
export interface SagaRecord {
  id: string;
  userId: string;
  idempotencyKey: string;
  keyActive: boolean;
  requestHash: string;
  source: 'cart' | 'lines';
  cartVersion: number | null;
  lines: StoredLine[];
  currency: string;
  subtotalMinor: number;
  discountMinor: number;
  totalMinor: number;
  orderId: string;
  reservationId: string;
  paymentId: string | null;
  reservationExpiresAt: Date | null;
  state: SagaState;
  step: SagaStep;
  failure: SagaFailure | null;
  failureDetail: Record<string, unknown> | null;
  attempts: number;
  lastError: string | null;
  lastErrorAt: Date | null;
  nextAttemptAt: Date | null;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  answer: SagaAnswer | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
  /** The W3C `traceparent` of the request that started the saga: a resumed run continues that trace. */
  traceparent: string | null;
}

/** The HTTP answer of a saga, stored once decided and replayed for the same Idempotency-Key. */
export interface SagaAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** What a new saga starts with. */
export interface NewSaga {
  id: string;
  userId: string;
  idempotencyKey: string;
  requestHash: string;
  source: 'cart' | 'lines';
  cartVersion: number | null;
  lines: StoredLine[];
  currency: string;
  subtotalMinor: number;
  discountMinor: number;
  totalMinor: number;
  orderId: string;
  reservationId: string;
  step: SagaStep;
  /** The W3C `traceparent` of the request (none outside a trace). */
  traceparent?: string | null;
}

/** A change to a saga, written with one step-log entry. Omitted fields stay as they are. */
export interface SagaPatch {
  state?: SagaState;
  step?: SagaStep;
  failure?: SagaFailure;
  failureDetail?: Record<string, unknown> | null;
  attempts?: number;
  paymentId?: string;
  reservationExpiresAt?: Date;
  lastError?: string;
  nextAttemptAt?: Date | null;
  answer?: SagaAnswer;
  finished?: boolean;
  /** `renew`: the runner keeps the saga for another lease period; `release`: it gives the saga up. */
  lease: 'renew' | 'release';
}

/** One step-log entry. */
export interface StepLogEntry {
  seq: number;
  step: SagaStep;
  outcome: string;
  attempt: number;
  error: string | null;
  durationMs: number;
  instance: string;
  at: Date;
}

/** A lease held on a saga: every write by its holder is conditional on the token. */
export interface Lease {
  owner: string;
  token: string;
}

/** Raised when a write finds that the lease was taken over: the writer must stop running the saga. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/** Options of {@link SagaRepository.claimDue}. */
export interface ClaimOptions {
  owner: string;
  limit: number;
  /**
   * Start-up takeover: also claim, whatever their lease, sagas last written before `before` whose lease is
   * held by `owner` (a previous incarnation of this replica) — or by anyone when `anyOwner` (PGlite: one
   * process per data directory, so every lease found at start-up belongs to a dead process).
   */
  takeOver?: { before: Date; anyOwner: boolean };
}

/** Counts of sagas by state. */
export type SagaCounts = Record<SagaState, number>;

/** The saga tables' queries. */
export interface SagaRepository {
  get(id: string): Promise<SagaRecord | undefined>;
  /** The saga the (user, key) pair points to. */
  findActive(userId: string, idempotencyKey: string): Promise<SagaRecord | undefined>;
  /**
   * Inserts a new saga holding `lease` (claims the (user, key) pair); undefined when the pair is taken.
   * With `supersedes`, atomically retires that saga's claim first (only if it still has it and its answer
   * is a retryable failure).
   */
  insert(saga: NewSaga, lease: Lease, supersedes?: string): Promise<SagaRecord | undefined>;
  /**
   * Applies `patch` and appends `log` if `lease` still holds the saga, running `also` in the same
   * transaction (the outbox); throws {@link LeaseLostError} otherwise.
   */
  update(
    id: string,
    lease: Lease,
    patch: SagaPatch,
    log: Omit<StepLogEntry, 'seq' | 'at' | 'instance'>,
    also?: (trx: Transaction<CheckoutTables>, saga: SagaRecord) => Promise<void>,
  ): Promise<SagaRecord>;
  /** Claims unfinished sagas that are due and not leased (`for update skip locked`). */
  claimDue(options: ClaimOptions): Promise<{ saga: SagaRecord; lease: Lease }[]>;
  steps(id: string): Promise<StepLogEntry[]>;
  list(filter: { state?: SagaState; userId?: string; limit: number }): Promise<SagaRecord[]>;
  counts(): Promise<SagaCounts>;
}

/** Options of {@link createSagaRepository}. */
export interface SagaRepositoryOptions {
  database: Database<CheckoutTables>;
  now: () => number;
  leaseMs: number;
  /** Makes lease tokens (random UUIDs). */
  newToken: () => string;
}

type Row = Selectable<CheckoutTables['checkout_saga']>;

const json = (value: unknown) => sql<never>`cast(${JSON.stringify(value)} as jsonb)`;

function toRecord(row: Row): SagaRecord {
  return {
    id: row.id,
    userId: row.user_id,
    idempotencyKey: row.idempotency_key,
    keyActive: row.key_active,
    requestHash: row.request_hash,
    source: row.source,
    cartVersion: row.cart_version === null ? null : Number(row.cart_version),
    lines: row.lines,
    currency: row.currency,
    subtotalMinor: Number(row.subtotal_minor),
    discountMinor: Number(row.discount_minor),
    totalMinor: Number(row.total_minor),
    orderId: row.order_id,
    reservationId: row.reservation_id,
    paymentId: row.payment_id,
    reservationExpiresAt: row.reservation_expires_at,
    state: row.state,
    step: row.step,
    failure:
      row.failure_reason === null || row.failure_step === null
        ? null
        : { reason: row.failure_reason, step: row.failure_step },
    failureDetail: row.failure_detail,
    attempts: row.attempts,
    lastError: row.last_error,
    lastErrorAt: row.last_error_at,
    nextAttemptAt: row.next_attempt_at,
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until,
    answer:
      row.answer_status === null || row.answer_body === null
        ? null
        : { status: row.answer_status, body: row.answer_body },
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    traceparent: row.traceparent,
  };
}

/** Errors are kept short in the row and the log: enough to diagnose, never a dump. */
const MAX_ERROR_LENGTH = 500;

/** Creates the repository over the checkout database. */
export function createSagaRepository(options: SagaRepositoryOptions): SagaRepository {
  const { database, now, leaseMs, newToken } = options;
  const db = database.db;

  return {
    async get(id) {
      const row = await db.selectFrom('checkout_saga').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },

    async findActive(userId, idempotencyKey) {
      const row = await db
        .selectFrom('checkout_saga')
        .selectAll()
        .where('user_id', '=', userId)
        .where('idempotency_key', '=', idempotencyKey)
        .where('key_active', '=', true)
        .executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },

    async insert(saga, lease, supersedes) {
      const at = new Date(now());
      return database
        .transaction(async (trx) => {
          if (supersedes !== undefined) {
            const retired = await trx
              .updateTable('checkout_saga')
              .set({ key_active: false })
              .where('id', '=', supersedes)
              .where('key_active', '=', true)
              .where('answer_status', 'is not', null)
              .where('failure_reason', 'in', ['unavailable', 'reservation-expired', 'internal'])
              .executeTakeFirst();
            if (retired.numUpdatedRows === 0n) return undefined;
          }
          const row = await trx
            .insertInto('checkout_saga')
            .values({
              id: saga.id,
              user_id: saga.userId,
              idempotency_key: saga.idempotencyKey,
              key_active: true,
              request_hash: saga.requestHash,
              source: saga.source,
              cart_version: saga.cartVersion,
              lines: json(saga.lines),
              currency: saga.currency,
              subtotal_minor: saga.subtotalMinor,
              discount_minor: saga.discountMinor,
              total_minor: saga.totalMinor,
              order_id: saga.orderId,
              reservation_id: saga.reservationId,
              payment_id: null,
              reservation_expires_at: null,
              state: 'running',
              step: saga.step,
              failure_reason: null,
              failure_step: null,
              failure_detail: null,
              attempts: 0,
              last_error: null,
              last_error_at: null,
              next_attempt_at: null,
              lease_owner: lease.owner,
              lease_token: lease.token,
              lease_until: new Date(at.getTime() + leaseMs),
              answer_status: null,
              answer_body: null,
              version: 1,
              created_at: at,
              updated_at: at,
              finished_at: null,
              traceparent: saga.traceparent ?? null,
            })
            .onConflict((oc) =>
              oc.columns(['user_id', 'idempotency_key']).where('key_active', '=', true).doNothing(),
            )
            .returningAll()
            .executeTakeFirst();
          if (row === undefined) {
            // The pair was taken meanwhile: keep the superseded saga's claim as it was.
            if (supersedes !== undefined) throw new KeyTaken();
            return undefined;
          }
          return toRecord(row);
        })
        .catch((error: unknown) => {
          if (error instanceof KeyTaken) return undefined;
          throw error;
        });
    },

    async update(id, lease, patch, log, also) {
      const at = new Date(now());
      const error = patch.lastError === undefined ? undefined : patch.lastError.slice(0, MAX_ERROR_LENGTH);
      const changes = (eb: ExpressionBuilder<CheckoutTables, 'checkout_saga'>) => ({
        version: eb('version', '+', 1),
        updated_at: at,
        ...(patch.state === undefined ? {} : { state: patch.state }),
        ...(patch.step === undefined ? {} : { step: patch.step }),
        ...(patch.failure === undefined
          ? {}
          : { failure_reason: patch.failure.reason, failure_step: patch.failure.step }),
        ...(patch.failureDetail === undefined
          ? {}
          : { failure_detail: patch.failureDetail === null ? null : json(patch.failureDetail) }),
        ...(patch.attempts === undefined ? {} : { attempts: patch.attempts }),
        ...(patch.paymentId === undefined ? {} : { payment_id: patch.paymentId }),
        ...(patch.reservationExpiresAt === undefined
          ? {}
          : { reservation_expires_at: patch.reservationExpiresAt }),
        ...(error === undefined ? {} : { last_error: error, last_error_at: at }),
        ...(patch.nextAttemptAt === undefined ? {} : { next_attempt_at: patch.nextAttemptAt }),
        ...(patch.answer === undefined
          ? {}
          : {
              answer_status: patch.answer.status,
              answer_body: sql<never>`cast(${JSON.stringify(patch.answer.body)} as json)`,
            }),
        ...(patch.finished === true ? { finished_at: at } : {}),
        ...(patch.lease === 'renew'
          ? { lease_until: new Date(at.getTime() + leaseMs) }
          : { lease_owner: null, lease_token: null, lease_until: null }),
      });
      const stepRow = {
        step: log.step,
        outcome: log.outcome,
        attempt: log.attempt,
        error: log.error === null ? null : log.error.slice(0, MAX_ERROR_LENGTH),
        duration_ms: Math.max(0, Math.round(log.durationMs)),
        instance: lease.owner,
        at,
      };
      const lost = () => new LeaseLostError(`saga ${id}: the lease of ${lease.owner} was lost`);
      if (also === undefined) {
        // The common case: the saga row and its step record in one statement, so no transaction (and
        // one round trip to the database) per step.
        const row = await database.db
          .with('u', (db) =>
            db
              .updateTable('checkout_saga')
              .set(changes)
              .where('id', '=', id)
              .where('lease_token', '=', lease.token)
              .returningAll(),
          )
          .with('s', (db) =>
            db
              .insertInto('checkout_saga_step')
              .columns([
                'saga_id',
                'seq',
                'step',
                'outcome',
                'attempt',
                'error',
                'duration_ms',
                'instance',
                'at',
              ])
              .expression((eb) =>
                eb
                  .selectFrom('u')
                  .select([
                    'u.id',
                    'u.version',
                    sql<string>`${stepRow.step}::text`.as('step'),
                    sql<string>`${stepRow.outcome}::text`.as('outcome'),
                    sql<number>`${stepRow.attempt}::int`.as('attempt'),
                    sql<string | null>`${stepRow.error}::text`.as('error'),
                    sql<number>`${stepRow.duration_ms}::int`.as('duration_ms'),
                    sql<string>`${stepRow.instance}::text`.as('instance'),
                    sql<Date>`${stepRow.at}::timestamptz`.as('at'),
                  ]),
              ),
          )
          .selectFrom('u')
          .selectAll()
          .executeTakeFirst();
        if (row === undefined) throw lost();
        return toRecord(row);
      }
      return database.transaction(async (trx) => {
        const row = await trx
          .updateTable('checkout_saga')
          .set(changes)
          .where('id', '=', id)
          .where('lease_token', '=', lease.token)
          .returningAll()
          .executeTakeFirst();
        if (row === undefined) throw lost();
        await trx
          .insertInto('checkout_saga_step')
          .values({ saga_id: id, seq: row.version, ...stepRow })
          .execute();
        const saga = toRecord(row);
        await also(trx, saga);
        return saga;
      });
    },

    async claimDue({ owner, limit, takeOver }) {
      const at = new Date(now());
      const until = new Date(at.getTime() + leaseMs);
      const takeOverCondition =
        takeOver === undefined
          ? sql<boolean>`false`
          : takeOver.anyOwner
            ? sql<boolean>`updated_at < ${takeOver.before}`
            : sql<boolean>`(lease_owner = ${owner} and updated_at < ${takeOver.before})`;
      return database.transaction(async (trx) => {
        // Several replicas may scan at once: `skip locked` hands each row to one of them, and the lease
        // written in the same transaction keeps the others off it until it expires.
        const due = await sql<{ id: string }>`
          select id from checkout_saga
          where state in ('running', 'compensating')
            and (
              ((lease_until is null or lease_until < ${at}) and (next_attempt_at is null or next_attempt_at <= ${at}))
              or ${takeOverCondition}
            )
          order by next_attempt_at nulls first, created_at
          limit ${limit}
          for update skip locked`.execute(trx);
        const claimed: { saga: SagaRecord; lease: Lease }[] = [];
        for (const { id } of due.rows) {
          const token = newToken();
          const row = await trx
            .updateTable('checkout_saga')
            .set({ lease_owner: owner, lease_token: token, lease_until: until, updated_at: at })
            .where('id', '=', id)
            .returningAll()
            .executeTakeFirstOrThrow();
          claimed.push({ saga: toRecord(row), lease: { owner, token } });
        }
        return claimed;
      });
    },

    async steps(id) {
      const rows = await db
        .selectFrom('checkout_saga_step')
        .selectAll()
        .where('saga_id', '=', id)
        .orderBy('seq')
        .execute();
      return rows.map((row) => ({
        seq: row.seq,
        step: row.step,
        outcome: row.outcome,
        attempt: row.attempt,
        error: row.error,
        durationMs: row.duration_ms,
        instance: row.instance,
        at: row.at,
      }));
    },

    async list({ state, userId, limit }) {
      let query = db.selectFrom('checkout_saga').selectAll().orderBy('created_at', 'desc').limit(limit);
      if (state !== undefined) query = query.where('state', '=', state);
      if (userId !== undefined) query = query.where('user_id', '=', userId);
      return (await query.execute()).map(toRecord);
    },

    async counts() {
      const rows = await db
        .selectFrom('checkout_saga')
        .select((eb) => ['state', eb.fn.countAll<number>().as('count')])
        .groupBy('state')
        .execute();
      const counts: SagaCounts = { running: 0, compensating: 0, completed: 0, compensated: 0 };
      for (const row of rows) counts[row.state] = Number(row.count);
      return counts;
    },
  };
}

class KeyTaken extends Error {}
