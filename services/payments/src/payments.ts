import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '@opsloop/store';
import type { PaymentMetrics } from './payment-metrics.js';
import type { CardProvider, Money } from './provider.js';
import type { PaymentOperation, PaymentStatus, PaymentsTables } from './tables.js';

/** Largest amount of one payment in minor units (one billion major units of a two-decimal currency). */
export const MAX_AMOUNT_MINOR = 100_000_000_000;
/** Longest idempotency key. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** An idempotency key: 1–255 printable ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;

/** A payment as the domain answers it (timestamps as ISO strings, so a stored answer replays identically). */
export interface Payment {
  paymentId: string;
  orderId: string;
  amount: Money;
  status: PaymentStatus;
  /** Why the provider declined it (`declined` only). */
  declineReason: string | null;
  /** The card provider that authorized it: every later operation of the payment goes to that one. */
  provider: string;
  createdAt: string;
  updatedAt: string;
}

/** Input of {@link Payments.authorize}. */
export interface AuthorizeInput {
  idempotencyKey: string;
  orderId: string;
  amount: Money;
}

/** Input of {@link Payments.capture}, {@link Payments.void} and {@link Payments.refund}. */
export interface PaymentActionInput {
  idempotencyKey: string;
  paymentId: string;
}

/** Why an operation was refused; nothing changed and nothing was stored. */
export type ConflictReason =
  /** The key was used before for a different request. */
  | 'idempotency-key-reused'
  /** The key is claimed by a request still in flight that did not finish within the wait. */
  | 'idempotency-key-in-progress'
  /** The payment's status does not allow the operation. */
  | 'invalid-transition';

/** What an operation did. */
export type PaymentResult =
  /** The operation's answer: done now, or the stored answer of the first request with this key (`replayed`). */
  | { outcome: 'ok'; payment: Payment; replayed: boolean }
  | { outcome: 'conflict'; reason: ConflictReason; detail: string; payment?: Payment }
  | { outcome: 'not-found' };

/** Options of {@link createPayments}. */
export interface PaymentsOptions {
  database: Database<PaymentsTables>;
  /** The card provider named {@link PRIMARY_PROVIDER}. */
  provider: CardProvider;
  /** Further card providers by name (e.g. `secondary`), for failover; none by default. */
  providers?: Readonly<Record<string, CardProvider>>;
  /**
   * The provider a new authorization goes to, asked once per authorization that reaches the provider (never
   * for a replay); {@link PRIMARY_PROVIDER} by default. A name with no provider is a programming error.
   */
  selectProvider?: (input: { orderId: string; idempotencyKey: string }) => Promise<string> | string;
  /** The current time in milliseconds since the epoch (`Date.now` by default). */
  now?: () => number;
  /** How long a duplicate request waits for the answer of the one in flight (default 30 s). */
  waitForAnswerMs?: number;
  /**
   * After how long an unfinished claim (its process died) may be taken over by a retry (default 2 min,
   * longer than the provider's longest latency).
   */
  staleClaimMs?: number;
  /**
   * This replica's stable name (`OPSLOOP_INSTANCE`), recorded on its claims so that a restart under the same
   * name can release them ({@link Payments.releaseClaimsOfDeadPredecessor}).
   */
  instance?: string;
  /** Told how every operation ended, once its effect is committed (none by default). */
  metrics?: PaymentMetrics;
}

/**
 * The payments domain. Every operation carries an idempotency key: the first request claims it (a committed
 * `in-progress` row), calls the provider, then stores the payment change and the answer in one transaction.
 * Duplicates wait for and replay that answer; they never call the provider.
 */
export interface Payments {
  /** Authorizes `amount` for `orderId`: a new payment, `authorized` or `declined`. */
  authorize(input: AuthorizeInput): Promise<PaymentResult>;
  /** Captures an authorized payment. */
  capture(input: PaymentActionInput): Promise<PaymentResult>;
  /** Voids an authorized (not captured) payment. */
  void(input: PaymentActionInput): Promise<PaymentResult>;
  /** Refunds a captured payment in full. */
  refund(input: PaymentActionInput): Promise<PaymentResult>;
  /** A payment, or undefined. */
  get(paymentId: string): Promise<Payment | undefined>;
  /**
   * Deletes the in-progress claims recorded under this replica's name: called at start-up, before serving,
   * when the name is stable (a restarted replica keeps it), so the process that made them is dead. A retry
   * with the same key then calls the provider again with that key (providers dedupe by it). Resolves with
   * how many were released; 0 without an `instance`.
   */
  releaseClaimsOfDeadPredecessor(): Promise<number>;
}

/** The name of {@link PaymentsOptions.provider}, and of the provider of payments made before failover. */
export const PRIMARY_PROVIDER = 'primary';

/** Raised by the domain for input its callers should have validated (a programming error, not a result). */
export class InvalidPaymentInput extends RangeError {
  override readonly name = 'InvalidPaymentInput';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CURRENCY = /^[A-Z]{3}$/;

/** The status an action needs and the one it leads to. */
const TRANSITIONS = {
  capture: { from: 'authorized', to: 'captured' },
  void: { from: 'authorized', to: 'voided' },
  refund: { from: 'captured', to: 'refunded' },
} as const satisfies Record<
  Exclude<PaymentOperation, 'authorize'>,
  { from: PaymentStatus; to: PaymentStatus }
>;

function uuid(value: string, what: string): string {
  const lower = typeof value === 'string' ? value.toLowerCase() : '';
  if (!UUID.test(lower)) throw new InvalidPaymentInput(`${what} must be a UUID`);
  return lower;
}

function idempotencyKey(value: string): string {
  if (typeof value !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(value))
    throw new InvalidPaymentInput('idempotencyKey must be 1-255 printable ASCII characters');
  return value;
}

function money(amount: Money): Money {
  const { amountMinor, currency } = amount;
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 1 || amountMinor > MAX_AMOUNT_MINOR)
    throw new InvalidPaymentInput(`amountMinor must be an integer from 1 to ${MAX_AMOUNT_MINOR}`);
  if (typeof currency !== 'string' || !CURRENCY.test(currency))
    throw new InvalidPaymentInput('currency must be an ISO 4217 code in capitals');
  return { amountMinor, currency };
}

/** The hash stored with a key: the operation and its canonical request. */
function requestHash(parts: readonly (string | number)[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

interface PaymentRow {
  id: string;
  order_id: string;
  amount_minor: number | bigint | string;
  currency: string;
  status: PaymentStatus;
  provider_reference: string | null;
  decline_reason: string | null;
  provider: string;
  created_at: Date;
  updated_at: Date;
}

function toPayment(row: PaymentRow): Payment {
  return {
    paymentId: row.id,
    orderId: row.order_id,
    amount: { amountMinor: Number(row.amount_minor), currency: row.currency },
    status: row.status,
    declineReason: row.decline_reason,
    provider: row.provider,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A claimed key: the token proves the claim is still ours when the answer is stored or the claim dropped. */
interface Claim {
  key: string;
  token: string;
}

/** Creates the payments domain over the service's database and a card provider. */
export function createPayments(options: PaymentsOptions): Payments {
  const { database } = options;
  const providers: Readonly<Record<string, CardProvider>> = {
    ...options.providers,
    [PRIMARY_PROVIDER]: options.provider,
  };
  const selectProvider = options.selectProvider ?? (() => PRIMARY_PROVIDER);
  /** The provider called `name`; a payment row naming an unknown one means a provider was removed. */
  const providerNamed = (name: string): CardProvider => {
    const found = Object.hasOwn(providers, name) ? providers[name] : undefined;
    if (found === undefined) throw new Error(`no card provider named ${JSON.stringify(name)}`);
    return found;
  };
  const clock = options.now ?? Date.now;
  const now = () => new Date(clock());
  const waitForAnswerMs = options.waitForAnswerMs ?? 30_000;
  const staleClaimMs = options.staleClaimMs ?? 120_000;
  const instance = options.instance ?? null;
  const metrics = options.metrics;

  /**
   * Claims `key` for a request, or finds the answer of an earlier one. The claim is a committed row of its
   * own (autocommit insert), so a concurrent duplicate sees it at once and waits for the stored answer.
   */
  async function claimOrReplay(
    key: string,
    operation: PaymentOperation,
    hash: string,
  ): Promise<{ claim: Claim } | { result: PaymentResult }> {
    const deadline = Date.now() + waitForAnswerMs;
    let pause = 5;
    for (;;) {
      const token = randomUUID();
      const claimed = await database.db
        .insertInto('idempotency')
        .values({
          key,
          operation,
          request_hash: hash,
          state: 'in-progress',
          claim_token: token,
          claimed_at: now(),
          claimed_by: instance,
        })
        .onConflict((oc) => oc.column('key').doNothing())
        .returning('key')
        .executeTakeFirst();
      if (claimed !== undefined) return { claim: { key, token } };

      const row = await database.db
        .selectFrom('idempotency')
        .select(['request_hash', 'state', 'answer', 'claimed_at'])
        .where('key', '=', key)
        .executeTakeFirst();
      if (row === undefined) continue; // The claimant failed and let go: claim it again.
      if (row.request_hash !== hash)
        return {
          result: {
            outcome: 'conflict',
            reason: 'idempotency-key-reused',
            detail: 'this Idempotency-Key was already used for a different request',
          },
        };
      if (row.state === 'done' && row.answer !== null) {
        // Answers stored before failover existed name no provider: they were all the primary's.
        const stored = JSON.parse(row.answer) as Omit<Payment, 'provider'> & { provider?: string };
        const payment = { ...stored, provider: stored.provider ?? PRIMARY_PROVIDER };
        return { result: { outcome: 'ok', payment, replayed: true } };
      }

      // In progress. A claim whose process died is taken over once it is older than any provider call.
      if (clock() - row.claimed_at.getTime() > staleClaimMs) {
        const taken = await database.db
          .updateTable('idempotency')
          .set({ claim_token: token, claimed_at: now(), claimed_by: instance })
          .where('key', '=', key)
          .where('state', '=', 'in-progress')
          .where('claimed_at', '=', row.claimed_at)
          .returning('key')
          .executeTakeFirst();
        if (taken !== undefined) return { claim: { key, token } };
        continue;
      }
      if (Date.now() >= deadline)
        return {
          result: {
            outcome: 'conflict',
            reason: 'idempotency-key-in-progress',
            detail: 'a request with this Idempotency-Key is still in progress; retry later',
          },
        };
      await sleep(pause);
      pause = Math.min(pause * 2, 100);
    }
  }

  /** Drops a claim without an answer (provider failure, refusal), so that a retry can claim the key again. */
  async function release(claim: Claim): Promise<void> {
    await database.db
      .deleteFrom('idempotency')
      .where('key', '=', claim.key)
      .where('claim_token', '=', claim.token)
      .where('state', '=', 'in-progress')
      .execute();
  }

  /** {@link claimed}, reporting how the operation ended to the metrics. */
  async function idempotent(
    key: string,
    operation: PaymentOperation,
    hash: string,
    work: (claim: Claim) => Promise<PaymentResult>,
  ): Promise<PaymentResult> {
    let result: PaymentResult;
    try {
      result = await claimed(key, operation, hash, work);
    } catch (error) {
      metrics?.threw(operation, error);
      throw error;
    }
    // Here, not in `work`: an `ok` answer means its statement committed, and a replay is told apart.
    metrics?.answered(operation, result);
    return result;
  }

  /** Runs `work` under a fresh claim; drops the claim when `work` throws or answers without an effect. */
  async function claimed(
    key: string,
    operation: PaymentOperation,
    hash: string,
    work: (claim: Claim) => Promise<PaymentResult>,
  ): Promise<PaymentResult> {
    const found = await claimOrReplay(key, operation, hash);
    if ('result' in found) return found.result;
    let result: PaymentResult;
    try {
      result = await work(found.claim);
    } catch (error) {
      await release(found.claim).catch(() => undefined);
      throw error;
    }
    if (result.outcome !== 'ok') await release(found.claim);
    return result;
  }

  /**
   * The CTE that stores the answer on our claim (`stored` holds its key, or nothing when the claim was
   * taken over): written in the same statement as the payment change, so both commit or neither.
   */
  function storeAnswerCte(claim: Claim, payment: Payment, at: Date, onlyIf = sql`true`) {
    return sql`stored as (
      update idempotency
      set state = 'done', answer = ${JSON.stringify(payment)}, payment_id = ${payment.paymentId},
        completed_at = ${at}
      where key = ${claim.key} and claim_token = ${claim.token} and state = 'in-progress' and ${onlyIf}
      returning key
    )`;
  }

  const claimLost = (claim: Claim) => new Error(`idempotency claim on ${claim.key} was lost`);

  async function load(paymentId: string): Promise<Payment | undefined> {
    const row = await database.db
      .selectFrom('payment')
      .selectAll()
      .where('id', '=', paymentId)
      .executeTakeFirst();
    return row === undefined ? undefined : toPayment(row);
  }

  async function act(kind: keyof typeof TRANSITIONS, input: PaymentActionInput): Promise<PaymentResult> {
    const key = idempotencyKey(input.idempotencyKey);
    const paymentId = uuid(input.paymentId, 'paymentId');
    const { from, to } = TRANSITIONS[kind];
    return idempotent(key, kind, requestHash([kind, paymentId]), async (claim) => {
      const row = await database.db
        .selectFrom('payment')
        .selectAll()
        .where('id', '=', paymentId)
        .executeTakeFirst();
      if (row === undefined) return { outcome: 'not-found' };
      const refused = (payment: Payment): PaymentResult => ({
        outcome: 'conflict',
        reason: 'invalid-transition',
        detail: `payment ${paymentId} is ${payment.status}; ${kind} needs it ${from}`,
        payment,
      });
      if (row.status !== from || row.provider_reference === null) return refused(toPayment(row));

      // The provider that authorized the payment, whichever one new authorizations use now.
      await providerNamed(row.provider)[kind]({
        idempotencyKey: key,
        reference: row.provider_reference,
        amount: { amountMinor: Number(row.amount_minor), currency: row.currency },
      });

      const at = now();
      const payment: Payment = { ...toPayment(row), status: to, updatedAt: at.toISOString() };
      // One statement: lock our claim, move the payment (conditional: a concurrent action with another key
      // may have moved it meanwhile) and store the answer only if it moved.
      const result = await sql<{ claimed: number; moved: number }>`
        with claim as (
          select key from idempotency
          where key = ${claim.key} and claim_token = ${claim.token} and state = 'in-progress'
          for update
        ), moved as (
          update payment set status = ${to}, updated_at = ${at}
          where id = ${paymentId} and status = ${from} and exists (select 1 from claim)
          returning id
        ), ${storeAnswerCte(claim, payment, at, sql`exists (select 1 from moved)`)}
        select (select count(*) from claim)::int as claimed, (select count(*) from moved)::int as moved`.execute(
        database.db,
      );
      const counts = result.rows[0];
      if (counts === undefined || counts.claimed === 0) throw claimLost(claim);
      if (counts.moved === 0) {
        const current = await load(paymentId);
        if (current === undefined) throw new Error(`payment ${paymentId} vanished`);
        return refused(current);
      }
      return { outcome: 'ok', payment, replayed: false };
    });
  }

  return {
    async authorize(input) {
      const key = idempotencyKey(input.idempotencyKey);
      const orderId = uuid(input.orderId, 'orderId');
      const amount = money(input.amount);
      const hash = requestHash(['authorize', orderId, amount.amountMinor, amount.currency]);
      return idempotent(key, 'authorize', hash, async (claim) => {
        // Chosen under the claim: a replay answers the stored payment (its provider) without choosing again;
        // a retry after a provider failure (nothing happened there) may go to another provider.
        const providerName = await selectProvider({ orderId, idempotencyKey: key });
        const answer = await providerNamed(providerName).authorize({ idempotencyKey: key, amount });
        const at = now();
        const payment: Payment = {
          paymentId: randomUUID(),
          orderId,
          amount,
          status: answer.outcome,
          declineReason: answer.outcome === 'declined' ? answer.reason : null,
          provider: providerName,
          createdAt: at.toISOString(),
          updatedAt: at.toISOString(),
        };
        // The payment row and the answer in one statement: the payment exists only if our claim held.
        const result = await sql<{ key: string }>`
          with ${storeAnswerCte(claim, payment, at)}, created as (
            insert into payment (id, order_id, amount_minor, currency, status, provider_reference,
              decline_reason, provider, created_at, updated_at)
            select ${payment.paymentId}::uuid, ${orderId}::uuid, ${amount.amountMinor}::bigint,
              ${amount.currency}::text, ${payment.status}::text,
              ${answer.outcome === 'authorized' ? answer.reference : null}::text,
              ${payment.declineReason}::text, ${providerName}::text, ${at}::timestamptz, ${at}::timestamptz
            from stored
          )
          select key from stored`.execute(database.db);
        if (result.rows.length === 0) throw claimLost(claim);
        return { outcome: 'ok', payment, replayed: false };
      });
    },
    capture: (input) => act('capture', input),
    void: (input) => act('void', input),
    refund: (input) => act('refund', input),
    get: (paymentId) => load(uuid(paymentId, 'paymentId')),
    async releaseClaimsOfDeadPredecessor() {
      if (instance === null) return 0;
      const released = await database.db
        .deleteFrom('idempotency')
        .where('state', '=', 'in-progress')
        .where('claimed_by', '=', instance)
        .executeTakeFirst();
      return Number(released.numDeletedRows);
    },
  };
}
