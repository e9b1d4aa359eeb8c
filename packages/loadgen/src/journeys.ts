import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { productSchema } from '@opsloop/contracts';
import type { HttpRequest } from './http-client.js';
import type { Random } from './random.js';

/** The endpoints the journeys call, as reported (method and route template). */
export const ENDPOINTS = {
  signUp: 'POST /api/users',
  logIn: 'POST /api/users/login',
  storefront: 'GET /api/storefront',
  listProducts: 'GET /api/products',
  getProduct: 'GET /api/products/{id}',
  putCartItem: 'PUT /api/cart/items/{productId}',
  getCart: 'GET /api/cart',
  checkout: 'POST /api/checkout',
} as const;

/** Report order of the endpoints: a journey's order. */
export const ENDPOINT_ORDER: readonly string[] = Object.values(ENDPOINTS);

/** The user journeys a run mixes. */
export const JOURNEY_NAMES = ['browse', 'purchase', 'signup', 'storefront'] as const;

/** A user journey. */
export type JourneyName = (typeof JOURNEY_NAMES)[number];

/** The mix when a run names none: mostly browsing, some buying, a few sign-ups. */
export const DEFAULT_MIX: Readonly<Record<JourneyName, number>> = {
  browse: 6,
  purchase: 3,
  signup: 1,
  storefront: 0,
};

/** Unwinds a journey: `failed` after an error, `interrupted` when the run ends under it. */
export class JourneyStop extends Error {
  override readonly name = 'JourneyStop';
  constructor(readonly end: 'failed' | 'interrupted') {
    super(`journey ${end}`);
  }
}

/** One request of a journey and what it expects. */
export interface Step {
  endpoint: string;
  request: HttpRequest;
  /** Expected statuses and their outcome names; any other 2xx is outcome `ok`, anything else an error. */
  outcomes?: Readonly<Record<number, string>>;
  /** Checks the body of an expected answer; false → `invalid-response`. */
  validate?: (body: unknown) => boolean;
}

/** An expected answer. */
export interface Answer {
  status: number;
  outcome: string;
  body: unknown;
}

/** A logged-in user. */
export interface Session {
  email: string;
  token: string;
}

/** Logged-in users kept for purchases, each used by one journey at a time (a cart belongs to one user). */
export class SessionPool {
  readonly #idle: Session[] = [];
  constructor(readonly capacity = 100) {}
  /** An idle session, now owned by the caller, or undefined. */
  take(random: Random): Session | undefined {
    if (this.#idle.length === 0) return undefined;
    const index = random.int(0, this.#idle.length - 1);
    const [session] = this.#idle.splice(index, 1);
    return session;
  }
  /** Returns a session for reuse (dropped when the pool is full). */
  give(session: Session): void {
    if (this.#idle.length < this.capacity) this.#idle.push(session);
  }
  get size(): number {
    return this.#idle.length;
  }
}

/** What a journey can do. */
export interface JourneyContext {
  /** The journey's number in the run (0-based); also seeds {@link JourneyContext.random}. */
  readonly index: number;
  readonly random: Random;
  /** Random per run, so that users signed up by two runs never collide. */
  readonly runId: string;
  readonly sessions: SessionPool;
  /** Sends and records one request; resolves to an expected answer, else throws {@link JourneyStop}. */
  call(step: Step): Promise<Answer>;
  /** Waits a think time; throws {@link JourneyStop} (`interrupted`) if the run ends meanwhile. */
  think(): Promise<void>;
}

const PAGE_SIZE = 20;
const productPage = z.object({
  items: z.array(productSchema.pick({ id: true })),
  nextCursor: z.string().nullable().optional(),
});
const loginAnswer = z.object({ accessToken: z.string().min(1) });
type ProductPage = z.infer<typeof productPage>;

const bearer = (session: Session) => ({ authorization: `Bearer ${session.token}` });

async function listProducts(ctx: JourneyContext, cursor?: string | null): Promise<ProductPage> {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor) query.set('cursor', cursor);
  const answer = await ctx.call({
    endpoint: ENDPOINTS.listProducts,
    request: { method: 'GET', path: `/api/products?${query.toString()}` },
    validate: (body) => productPage.safeParse(body).success,
  });
  return productPage.parse(answer.body);
}

async function viewProduct(ctx: JourneyContext, id: string): Promise<void> {
  await ctx.call({
    endpoint: ENDPOINTS.getProduct,
    request: { method: 'GET', path: `/api/products/${encodeURIComponent(id)}` },
  });
}

async function storefront(ctx: JourneyContext): Promise<void> {
  await ctx.call({ endpoint: ENDPOINTS.storefront, request: { method: 'GET', path: '/api/storefront' } });
}

/** Signs a new user up and logs in. */
async function signUp(ctx: JourneyContext): Promise<Session> {
  const email = `load-${ctx.runId}-${ctx.index}@example.com`;
  const password = `Load-${randomBytes(9).toString('base64url')}`;
  await ctx.call({
    endpoint: ENDPOINTS.signUp,
    request: {
      method: 'POST',
      path: '/api/users',
      headers: { 'idempotency-key': randomUUID() },
      json: { email, password, name: `Load User ${ctx.index}` },
    },
    outcomes: { 201: 'created' },
  });
  await ctx.think();
  const answer = await ctx.call({
    endpoint: ENDPOINTS.logIn,
    request: { method: 'POST', path: '/api/users/login', json: { email, password } },
    validate: (body) => loginAnswer.safeParse(body).success,
  });
  return { email, token: loginAnswer.parse(answer.body).accessToken };
}

/** Distinct random picks from `items`. */
function sample<T>(random: Random, items: readonly T[], n: number): T[] {
  const pool = [...items];
  const picked: T[] = [];
  while (picked.length < n && pool.length > 0)
    picked.push(pool.splice(random.int(0, pool.length - 1), 1)[0]!);
  return picked;
}

/** The journeys: each a sequence of steps with think times between them. */
export const JOURNEYS: Readonly<Record<JourneyName, (ctx: JourneyContext) => Promise<void>>> = {
  /** The home page. */
  async storefront(ctx) {
    await storefront(ctx);
  },

  /** Home page, a page or two of products, one to three product pages. */
  async browse(ctx) {
    await storefront(ctx);
    await ctx.think();
    let page = await listProducts(ctx);
    const seen = [...page.items];
    if (page.nextCursor && ctx.random.next() < 0.3) {
      await ctx.think();
      page = await listProducts(ctx, page.nextCursor);
      seen.push(...page.items);
    }
    for (const product of sample(ctx.random, seen, ctx.random.int(1, 3))) {
      await ctx.think();
      await viewProduct(ctx, product.id);
    }
  },

  /** Sign up and log in; the session joins the pool that purchases draw from. */
  async signup(ctx) {
    ctx.sessions.give(await signUp(ctx));
  },

  /**
   * A user (from the pool, else a new sign-up) lists products, puts one to three in the cart, views it and
   * checks out with a fresh Idempotency-Key. 409 (out of stock) and 402 (declined) are outcomes, not errors.
   */
  async purchase(ctx) {
    const session = ctx.sessions.take(ctx.random) ?? (await signUp(ctx));
    await ctx.think();
    const page = await listProducts(ctx);
    // An empty catalogue: nothing to buy, the journey cannot go on.
    if (page.items.length === 0) throw new JourneyStop('failed');
    for (const product of sample(ctx.random, page.items, ctx.random.int(1, 3))) {
      await ctx.think();
      await ctx.call({
        endpoint: ENDPOINTS.putCartItem,
        request: {
          method: 'PUT',
          path: `/api/cart/items/${encodeURIComponent(product.id)}`,
          headers: bearer(session),
          json: { quantity: ctx.random.int(1, 2) },
        },
      });
    }
    await ctx.think();
    await ctx.call({
      endpoint: ENDPOINTS.getCart,
      request: { method: 'GET', path: '/api/cart', headers: bearer(session) },
    });
    await ctx.think();
    const checkout = await ctx.call({
      endpoint: ENDPOINTS.checkout,
      request: {
        method: 'POST',
        path: '/api/checkout',
        headers: { ...bearer(session), 'idempotency-key': randomUUID() },
        json: {},
      },
      outcomes: { 201: 'placed', 402: 'declined', 409: 'out-of-stock' },
    });
    // Only a user whose order went through is reused: after a refusal the cart may still hold the items.
    if (checkout.outcome === 'placed') ctx.sessions.give(session);
  },
};
