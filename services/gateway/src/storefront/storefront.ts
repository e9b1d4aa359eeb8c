import { z } from 'zod';
import { moneySchema, productSchema, type Product, type rpc } from '@opsloop/contracts';
import { moneyView } from '../orders/order-view.js';
import type { CartReader, OrdersReader, RpcCallOptions } from '../orders/rpc-ports.js';

/** The catalogue reads the storefront needs. */
export interface CatalogReader {
  /** The first `limit` products (catalogue order). */
  listProducts(limit: number, signal: AbortSignal, headers: Record<string, string>): Promise<Product[]>;
  /** One product, or undefined if the catalogue does not know it. */
  getProduct(id: string, signal: AbortSignal, headers: Record<string, string>): Promise<Product | undefined>;
}

/** A cart as the storefront shows it. */
export const cartViewSchema = z.object({
  lines: z.array(
    z.object({
      productId: z.string(),
      name: z.string(),
      quantity: z.number().int().nonnegative(),
      unitPrice: moneySchema,
      lineTotal: moneySchema,
    }),
  ),
  subtotal: moneySchema,
  discountPercent: z.number().int().nonnegative(),
  discount: moneySchema,
  total: moneySchema,
  loyaltyPoints: z.number().int().nonnegative(),
});

/** The parts of the storefront that may be missing when a backend is down or slow. */
export const STOREFRONT_PARTS = ['products', 'cart', 'recommendations'] as const;

/** `GET /api/storefront`: one round trip for the shop's home page. */
export const storefrontSchema = z.object({
  products: z.array(productSchema),
  /** The caller's cart; null when anonymous or when the cart could not be read. */
  cart: cartViewSchema.nullable(),
  recommendations: z.array(productSchema),
  /** Parts that failed or timed out; their fields hold what could be given without them. */
  degraded: z.array(z.enum(STOREFRONT_PARTS)),
});

/** The storefront document. */
export type Storefront = z.infer<typeof storefrontSchema>;

/** Options of {@link createStorefront}. */
export interface StorefrontOptions {
  catalog: CatalogReader;
  cart: CartReader;
  orders: OrdersReader;
  /** Deadline of each part. */
  partTimeoutMs: number;
  /** Products on the first page. */
  productsLimit?: number;
  recommendationsLimit?: number;
  /** Recent orders whose products' categories drive recommendations. */
  recentOrders?: number;
  /** Products scanned for recommendations. */
  candidateProducts?: number;
  /**
   * Whether a signed-in caller gets recommendations from their orders (a feature flag: turning it off is a
   * kill switch that takes the orders service off the storefront's path). Default: always.
   */
  personalised?: (userId: string) => Promise<boolean>;
}

/** Builds the storefront for a caller (anonymous when `userId` is undefined). */
export interface StorefrontBuilder {
  /** `headers`: request id and trace context, sent with every backend call. */
  build(userId: string | undefined, headers: Record<string, string>): Promise<Storefront>;
}

function cartView(cart: rpc.Cart): Storefront['cart'] {
  return {
    lines: cart.lines.map((line) => ({
      productId: line.productId,
      name: line.name,
      quantity: line.quantity,
      unitPrice: moneyView(line.unitPrice),
      lineTotal: moneyView(line.lineTotal),
    })),
    subtotal: moneyView(cart.subtotal),
    discountPercent: cart.discountPercent,
    discount: moneyView(cart.discount),
    total: moneyView(cart.total),
    loyaltyPoints: cart.loyaltyPoints,
  };
}

/** Runs `work` with its own deadline: the signal aborts it and the promise rejects when time is up. */
async function withDeadline<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`part timed out after ${ms} ms`));
      reject(new Error(`part timed out after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The backend-for-frontend of the shop's home page. Products, cart and recommendations are fetched in
 * parallel, each under its own deadline; a part that fails is named in `degraded` and the answer is still
 * a 200 with everything else (a storefront without a cart beats an error page).
 *
 * Recommendations: the categories of the products in the caller's recent orders, products of those
 * categories not already bought; with no orders (or anonymous), the first products.
 */
export function createStorefront(options: StorefrontOptions): StorefrontBuilder {
  const productsLimit = options.productsLimit ?? 20;
  const recommendationsLimit = options.recommendationsLimit ?? 8;
  const recentOrders = options.recentOrders ?? 10;
  const candidates = options.candidateProducts ?? 100;

  const recommend = async (
    userId: string,
    call: RpcCallOptions & { headers: Record<string, string> },
    signal: AbortSignal,
    firstProducts: Promise<Product[]>,
  ): Promise<Product[]> => {
    const page = await options.orders.listOrders(
      { userId, limit: recentOrders, cursor: '' },
      { ...call, signal },
    );
    const bought = new Set(page.orders.flatMap((order) => order.lines.map((line) => line.productId)));
    const fallback = async () =>
      (await firstProducts).filter((p) => !bought.has(p.id)).slice(0, recommendationsLimit);
    if (bought.size === 0) return fallback();
    const boughtProducts = await Promise.all(
      [...bought].slice(0, recentOrders).map((id) => options.catalog.getProduct(id, signal, call.headers)),
    );
    const categories = new Set(boughtProducts.flatMap((p) => (p === undefined ? [] : [p.category])));
    const pool = await options.catalog.listProducts(candidates, signal, call.headers);
    const picked = pool
      .filter((p) => categories.has(p.category) && !bought.has(p.id))
      .slice(0, recommendationsLimit);
    return picked.length > 0 ? picked : fallback();
  };

  return {
    async build(userId, headers) {
      const degraded: Storefront['degraded'] = [];
      const call = { headers, timeoutMs: options.partTimeoutMs };
      const productsPart = withDeadline(options.partTimeoutMs, (signal) =>
        options.catalog.listProducts(productsLimit, signal, headers),
      );
      // The fallback for recommendations is the products part; a failed one leaves nothing to fall back on.
      const firstProducts = productsPart.catch(() => [] as Product[]);
      const cartPart =
        userId === undefined
          ? Promise.resolve(null)
          : withDeadline(options.partTimeoutMs, (signal) =>
              options.cart.getCart({ userId }, { ...call, signal }).then(cartView),
            );
      const personal =
        userId !== undefined &&
        (await (options.personalised?.(userId) ?? Promise.resolve(true)).catch(() => true));
      const recommendationsPart =
        userId === undefined || !personal
          ? firstProducts.then((products) => products.slice(0, recommendationsLimit))
          : withDeadline(options.partTimeoutMs, (signal) => recommend(userId, call, signal, firstProducts));

      const [products, cart, recommendations] = await Promise.allSettled([
        productsPart,
        cartPart,
        recommendationsPart,
      ]);
      if (products.status === 'rejected') degraded.push('products');
      if (cart.status === 'rejected') degraded.push('cart');
      let recommended: Product[];
      if (recommendations.status === 'fulfilled') recommended = recommendations.value;
      else {
        degraded.push('recommendations');
        recommended = (await firstProducts).slice(0, recommendationsLimit);
      }
      return {
        products: products.status === 'fulfilled' ? products.value : [],
        cart: cart.status === 'fulfilled' ? cart.value : null,
        recommendations: recommended,
        degraded,
      };
    },
  };
}
