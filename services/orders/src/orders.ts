import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database } from '@opsloop/store';
import type { OrderMetrics } from './order-metrics.js';
import type { OrderState, OrdersTables } from './tables.js';

/** Most lines one order may have. */
export const MAX_ORDER_LINES = 100;
/** Largest quantity of one order line. */
export const MAX_LINE_QUANTITY = 1000;
/** Largest unit price in minor units, so that every total stays an exact integer (far below 2^53). */
export const MAX_UNIT_AMOUNT_MINOR = 1_000_000_000;
/** Longest user id. */
export const MAX_USER_ID_LENGTH = 128;
/** Longest transition reason. */
export const MAX_REASON_LENGTH = 500;
/** Largest page of {@link Orders.listByUser}. */
export const MAX_PAGE_SIZE = 100;

/** Every order state. */
export const ORDER_STATES: readonly OrderState[] = [
  'pending',
  'confirmed',
  'paid',
  'fulfilled',
  'cancelled',
  'failed',
];

/** The states a transition may lead to (every state but `pending`). */
export type TransitionTarget = Exclude<OrderState, 'pending'>;

/** The targets of {@link Orders.transition}. */
export const TRANSITION_TARGETS: readonly TransitionTarget[] = [
  'confirmed',
  'paid',
  'fulfilled',
  'cancelled',
  'failed',
];

/** The targets that require a reason. */
export const REASON_REQUIRED: ReadonlySet<TransitionTarget> = new Set(['cancelled', 'failed']);

/** For each state, the states it may move to. */
export const ALLOWED_TRANSITIONS: Readonly<Record<OrderState, readonly TransitionTarget[]>> = {
  pending: ['confirmed', 'cancelled', 'failed'],
  confirmed: ['paid', 'cancelled', 'failed'],
  paid: ['fulfilled'],
  fulfilled: [],
  cancelled: [],
  failed: [],
};

/** Money in integer minor units. */
export interface Money {
  amountMinor: number;
  currency: string;
}

/** One line of an order. */
export interface OrderLine {
  productId: string;
  quantity: number;
  unitPrice: Money;
}

/** An order with its lines (in the caller's order). */
export interface Order {
  orderId: string;
  userId: string;
  state: OrderState;
  lines: OrderLine[];
  /** Σ quantity × unit price, in integer minor units. */
  total: Money;
  /** Incremented by every applied transition (1 after creation). */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** One applied state change; creation is the first (`from` null, `to` `pending`). */
export interface OrderHistoryEntry {
  /** The order version this change produced. */
  version: number;
  from: OrderState | null;
  to: OrderState;
  reason: string | null;
  at: Date;
}

/** An order with its history, oldest first. */
export interface OrderDetail extends Order {
  history: OrderHistoryEntry[];
}

/** Input of {@link Orders.create}. */
export interface CreateOrderInput {
  /** Chosen by the caller (the checkout saga): the idempotency key of the creation. */
  orderId: string;
  userId: string;
  /** 1 to {@link MAX_ORDER_LINES} lines, all in one currency. */
  lines: readonly OrderLine[];
}

/** What {@link Orders.create} did. */
export type CreateOrderResult =
  /** A new order, in state `pending`. */
  | { outcome: 'created'; order: OrderDetail }
  /** The id was already used with the same content: that order, in whatever state it is now. */
  | { outcome: 'replayed'; order: OrderDetail }
  /** The id was already used with different content; nothing changed. */
  | { outcome: 'conflict'; order: OrderDetail };

/** Input of {@link Orders.transition}. */
export interface TransitionInput {
  to: TransitionTarget;
  /** Required for `cancelled` and `failed`; at most {@link MAX_REASON_LENGTH} characters. */
  reason?: string | undefined;
}

/** What {@link Orders.transition} did. */
export type TransitionResult =
  /** The order moved to the target state now (one history row was appended). */
  | { outcome: 'applied'; order: OrderDetail }
  /** The order already was in the target state: nothing changed. */
  | { outcome: 'unchanged'; order: OrderDetail }
  | { outcome: 'not-found' }
  /** The transition is not allowed from the order's current state; nothing changed. */
  | { outcome: 'conflict'; order: OrderDetail };

/** Options of {@link Orders.listByUser}. */
export interface ListOptions {
  /** 1 to {@link MAX_PAGE_SIZE}. */
  limit: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string | undefined;
}

/** A page of a user's orders, newest first. */
export interface OrderPage {
  orders: Order[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

/** Options of {@link createOrders}. */
export interface OrdersOptions {
  database: Database<OrdersTables>;
  /** The current time in milliseconds since the epoch (`Date.now` by default); tests inject a clock. */
  now?: () => number;
  /** Told every state change, once committed (none by default). */
  metrics?: OrderMetrics;
}

/**
 * The orders domain: the order record and its state machine (`pending → confirmed → paid → fulfilled`;
 * `pending | confirmed → cancelled | failed`) with its history. Transitions are optimistic: the update is
 * conditional on the version that was read, so of two concurrent transitions exactly one applies; the other
 * re-reads and answers `unchanged` or `conflict`.
 */
export interface Orders {
  /** Creates an order in state `pending`; idempotent by `orderId`. */
  create(input: CreateOrderInput): Promise<CreateOrderResult>;
  /** Moves an order to `to`; re-applying its current state is a no-op (`unchanged`). */
  transition(orderId: string, input: TransitionInput): Promise<TransitionResult>;
  /** An order with its lines and history, or undefined. */
  get(orderId: string): Promise<OrderDetail | undefined>;
  /** A user's orders, newest first, paged by a keyset cursor. */
  listByUser(userId: string, options: ListOptions): Promise<OrderPage>;
}

/** Raised by the domain for input its callers should have validated (a programming error, not a result). */
export class InvalidOrderInput extends RangeError {
  override readonly name = 'InvalidOrderInput';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CURRENCY = /^[A-Z]{3}$/;
/** Bounds the re-read loop of a transition that lost a race (each loss means the state moved on). */
const MAX_TRANSITION_ATTEMPTS = 10;

type Trx = Transaction<OrdersTables>;

function uuid(value: string, what: string): string {
  const lower = typeof value === 'string' ? value.toLowerCase() : '';
  if (!UUID.test(lower)) throw new InvalidOrderInput(`${what} must be a UUID`);
  return lower;
}

function integerIn(value: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new InvalidOrderInput(`${what} must be an integer from ${min} to ${max}`);
  return value;
}

function userIdOf(value: string): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > MAX_USER_ID_LENGTH)
    throw new InvalidOrderInput(`userId must have 1 to ${MAX_USER_ID_LENGTH} characters`);
  return value;
}

function normaliseLines(lines: readonly OrderLine[]): { lines: OrderLine[]; currency: string } {
  integerIn(lines.length, 1, MAX_ORDER_LINES, 'the number of lines');
  const currency = lines[0]?.unitPrice.currency ?? '';
  if (!CURRENCY.test(currency)) throw new InvalidOrderInput('currency must be an ISO 4217 code');
  const normalised = lines.map((line) => {
    if (line.unitPrice.currency !== currency)
      throw new InvalidOrderInput('every line must be in the same currency');
    return {
      productId: uuid(line.productId, 'productId'),
      quantity: integerIn(line.quantity, 1, MAX_LINE_QUANTITY, 'quantity'),
      unitPrice: {
        amountMinor: integerIn(line.unitPrice.amountMinor, 0, MAX_UNIT_AMOUNT_MINOR, 'amountMinor'),
        currency,
      },
    };
  });
  return { lines: normalised, currency };
}

function sameLines(a: readonly OrderLine[], b: readonly OrderLine[]): boolean {
  return (
    a.length === b.length &&
    a.every((line, i) => {
      const other = b[i];
      return (
        other !== undefined &&
        line.productId === other.productId &&
        line.quantity === other.quantity &&
        line.unitPrice.amountMinor === other.unitPrice.amountMinor &&
        line.unitPrice.currency === other.unitPrice.currency
      );
    })
  );
}

/** Encodes a keyset position as an opaque cursor. */
function encodeCursor(createdAt: Date, orderId: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${orderId}`, 'utf8').toString('base64url');
}

/** Decodes a cursor of {@link Orders.listByUser}, or undefined when it is not one. */
export function decodeCursor(cursor: string): { createdAt: Date; orderId: string } | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  const [at, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (at === undefined || id === undefined || rest.length > 0 || !UUID.test(id)) return undefined;
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(at)) return undefined;
  const createdAt = new Date(at);
  return Number.isNaN(createdAt.getTime()) ? undefined : { createdAt, orderId: id };
}

function toOrder(row: Selectable<OrdersTables['orders']>, lines: OrderLine[]): Order {
  return {
    orderId: row.id,
    userId: row.user_id,
    state: row.state,
    lines,
    total: { amountMinor: Number(row.total_minor), currency: row.currency },
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

async function loadLines(trx: Trx, orderIds: readonly string[]): Promise<Map<string, OrderLine[]>> {
  const byOrder = new Map<string, OrderLine[]>(orderIds.map((id) => [id, []]));
  if (orderIds.length === 0) return byOrder;
  const rows = await trx
    .selectFrom('order_line')
    .innerJoin('orders', 'orders.id', 'order_line.order_id')
    .select([
      'order_line.order_id',
      'order_line.product_id',
      'order_line.quantity',
      'order_line.unit_amount_minor',
      'orders.currency',
    ])
    .where('order_line.order_id', 'in', orderIds)
    .orderBy('order_line.order_id')
    .orderBy('order_line.line_no')
    .execute();
  for (const row of rows)
    byOrder.get(row.order_id)?.push({
      productId: row.product_id,
      quantity: row.quantity,
      unitPrice: { amountMinor: Number(row.unit_amount_minor), currency: row.currency },
    });
  return byOrder;
}

/** The order row with its lines and history as JSON, read in one statement (one round trip per order). */
interface OrderWithChildrenRow extends Selectable<OrdersTables['orders']> {
  lines_json: { productId: string; quantity: number; amountMinor: number }[];
  history_json: {
    version: number;
    from: OrderState | null;
    to: OrderState;
    reason: string | null;
    at: string;
  }[];
}

async function loadOrder(q: Kysely<OrdersTables>, orderId: string): Promise<OrderDetail | undefined> {
  const result = await sql<OrderWithChildrenRow>`
    select o.*,
      coalesce((select json_agg(json_build_object(
          'productId', l.product_id, 'quantity', l.quantity, 'amountMinor', l.unit_amount_minor)
          order by l.line_no)
        from order_line l where l.order_id = o.id), '[]'::json) as lines_json,
      coalesce((select json_agg(json_build_object(
          'version', h.version, 'from', h.from_state, 'to', h.to_state, 'reason', h.reason, 'at', h.at)
          order by h.version)
        from order_history h where h.order_id = o.id), '[]'::json) as history_json
    from orders o where o.id = ${orderId}`.execute(q);
  const row = result.rows[0];
  if (row === undefined) return undefined;
  const lines = row.lines_json.map((line) => ({
    productId: line.productId,
    quantity: line.quantity,
    unitPrice: { amountMinor: Number(line.amountMinor), currency: row.currency },
  }));
  return {
    ...toOrder(row, lines),
    history: row.history_json.map((entry) => ({
      version: entry.version,
      from: entry.from,
      to: entry.to,
      reason: entry.reason,
      at: new Date(entry.at),
    })),
  };
}

/** Creates the orders domain over the service's database. */
export function createOrders(options: OrdersOptions): Orders {
  const { database } = options;
  const clock = options.now ?? Date.now;
  const now = () => new Date(clock());
  const metrics = options.metrics;

  return {
    async create(input) {
      const orderId = uuid(input.orderId, 'orderId');
      const userId = userIdOf(input.userId);
      const { lines, currency } = normaliseLines(input.lines);
      const totalMinor = lines.reduce((sum, line) => sum + line.quantity * line.unitPrice.amountMinor, 0);
      const at = now();
      // One statement inserts the order, its lines and its first history row, so it is atomic without a
      // transaction. A concurrent create with the same id waits on the primary key until this one commits,
      // then inserts nothing and finds it (replay or conflict).
      const lineRows = sql.join(
        lines.map(
          (line, lineNo) =>
            sql`(${lineNo}::int, ${line.productId}::uuid, ${line.quantity}::int, ${line.unitPrice.amountMinor}::bigint)`,
        ),
      );
      const inserted = await sql<{ id: string }>`
        with o as (
          insert into orders (id, user_id, state, currency, total_minor, version, created_at, updated_at)
          values (${orderId}, ${userId}, 'pending', ${currency}, ${totalMinor}, 1, ${at}, ${at})
          on conflict (id) do nothing
          returning id
        ), l as (
          insert into order_line (order_id, line_no, product_id, quantity, unit_amount_minor)
          select o.id, v.line_no, v.product_id, v.quantity, v.amount from o
          cross join (values ${lineRows}) as v(line_no, product_id, quantity, amount)
        ), h as (
          insert into order_history (order_id, version, from_state, to_state, reason, at)
          select o.id, 1, null, 'pending', null, ${at} from o
        )
        select id from o`.execute(database.db);
      if (inserted.rows.length === 0) {
        const existing = await loadOrder(database.db, orderId);
        if (existing === undefined) throw new Error(`order ${orderId} vanished`);
        const same = existing.userId === userId && sameLines(existing.lines, lines);
        return { outcome: same ? 'replayed' : 'conflict', order: existing };
      }
      // The statement above committed on its own (no transaction around it).
      metrics?.entered('pending');
      return {
        outcome: 'created',
        order: {
          orderId,
          userId,
          state: 'pending',
          lines,
          total: { amountMinor: totalMinor, currency },
          version: 1,
          createdAt: at,
          updatedAt: at,
          history: [{ version: 1, from: null, to: 'pending', reason: null, at }],
        },
      };
    },

    async transition(orderIdInput, input) {
      const orderId = uuid(orderIdInput, 'orderId');
      const { to } = input;
      if (!TRANSITION_TARGETS.includes(to))
        throw new InvalidOrderInput(`to must be one of ${TRANSITION_TARGETS.join(', ')}`);
      const reason = input.reason ?? null;
      if (reason !== null && (reason.length < 1 || reason.length > MAX_REASON_LENGTH))
        throw new InvalidOrderInput(`reason must have 1 to ${MAX_REASON_LENGTH} characters`);
      if (reason === null && REASON_REQUIRED.has(to))
        throw new InvalidOrderInput(`a transition to ${to} needs a reason`);

      for (let attempt = 1; ; attempt++) {
        const at = now();
        const order = await loadOrder(database.db, orderId);
        if (order === undefined) return { outcome: 'not-found' };
        if (order.state === to) return { outcome: 'unchanged', order };
        if (!ALLOWED_TRANSITIONS[order.state].includes(to)) return { outcome: 'conflict', order };
        // Conditional on the version read, with its history row in the same statement: a concurrent
        // transition that got there first makes it match no row, and this one re-reads and decides again.
        const updated = await sql<{ version: number }>`
          with u as (
            update orders set state = ${to}, version = version + 1, updated_at = ${at}
            where id = ${orderId} and version = ${order.version}
            returning version
          ), h as (
            insert into order_history (order_id, version, from_state, to_state, reason, at)
            select ${orderId}, u.version, ${order.state}, ${to}, ${reason}, ${at} from u
          )
          select version from u`.execute(database.db);
        const version = updated.rows[0]?.version;
        if (version === undefined) {
          if (attempt < MAX_TRANSITION_ATTEMPTS) continue;
          throw new Error('the order changed concurrently');
        }
        metrics?.entered(to);
        return {
          outcome: 'applied',
          order: {
            ...order,
            state: to,
            version,
            updatedAt: at,
            history: [...order.history, { version, from: order.state, to, reason, at }],
          },
        };
      }
    },

    async get(orderId) {
      return loadOrder(database.db, uuid(orderId, 'orderId'));
    },

    async listByUser(userIdInput, listOptions) {
      const userId = userIdOf(userIdInput);
      const limit = integerIn(listOptions.limit, 1, MAX_PAGE_SIZE, 'limit');
      const after = listOptions.cursor === undefined ? undefined : decodeCursor(listOptions.cursor);
      if (listOptions.cursor !== undefined && after === undefined)
        throw new InvalidOrderInput('cursor is not a cursor of this list');
      return database.transaction(async (trx): Promise<OrderPage> => {
        let query = trx
          .selectFrom('orders')
          .selectAll()
          .where('user_id', '=', userId)
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(limit + 1);
        if (after !== undefined)
          query = query.where((eb) =>
            eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.createdAt, after.orderId)),
          );
        const rows = await query.execute();
        const page = rows.slice(0, limit);
        const lines = await loadLines(
          trx,
          page.map((row) => row.id),
        );
        const orders = page.map((row) => toOrder(row, lines.get(row.id) ?? []));
        const last = page.at(-1);
        return {
          orders,
          nextCursor:
            rows.length > limit && last !== undefined ? encodeCursor(last.created_at, last.id) : null,
        };
      });
    },
  };
}
