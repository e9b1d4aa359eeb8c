import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseInput, ProblemError } from '@opsloop/kit';
import { priceCart, type CartPricing, type PricedCart } from './cart-pricing.js';
import { MAX_CART_LINES, MAX_LINE_QUANTITY, MAX_USER_ID_LENGTH, type Carts } from './carts.js';
import { CatalogUnavailableError, type ProductLookup } from './product-lookup.js';
import type { Money } from '@opsloop/contracts';

/** The header the gateway sets to the verified token's `sub` (and strips from clients). */
export const USER_ID_HEADER = 'x-user-id';
/** Seconds a client is told to wait (`retry-after`) when the catalogue is unavailable. */
export const RETRY_AFTER_SECONDS = 1;

const itemParams = z.object({ productId: z.uuid('must be a product id (UUID)') });

/** The body of `PUT /api/cart/items/{productId}`. */
export const setQuantityBodySchema = z.object({
  quantity: z
    .number('must be an integer')
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(MAX_LINE_QUANTITY, `must be at most ${MAX_LINE_QUANTITY}`),
});

/** A cart as the API shows it. */
export interface CartView {
  userId: string;
  /** Incremented by every change. */
  version: number;
  currency: string;
  lines: { productId: string; name: string; quantity: number; unitPrice: Money; lineTotal: Money }[];
  /** Lines the catalogue no longer sells; not in the totals. */
  unavailable: { productId: string; quantity: number; reason: string }[];
  subtotal: Money;
  discountPercent: number;
  discount: Money;
  total: Money;
  /** The loyalty standing the discount comes from, or null when the users service did not answer. */
  loyalty: { points: number; discountPercent: number } | null;
  /** True when priced without the users service (no discount applied). */
  degraded: boolean;
  updatedAt: string | null;
  /** When the cart expires unless it changes again (null when empty). */
  expiresAt: string | null;
}

/** The JSON view of a priced cart. */
export function cartView(cart: PricedCart): CartView {
  return {
    userId: cart.userId,
    version: cart.version,
    currency: cart.currency,
    lines: cart.lines.map((line) => ({
      productId: line.productId,
      name: line.name,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      lineTotal: line.lineTotal,
    })),
    unavailable: cart.unavailable.map((line) => ({ ...line })),
    subtotal: cart.subtotal,
    discountPercent: cart.discountPercent,
    discount: cart.discount,
    total: cart.total,
    loyalty: cart.loyalty,
    degraded: cart.degraded,
    updatedAt: cart.updatedAt?.toISOString() ?? null,
    expiresAt: cart.expiresAt?.toISOString() ?? null,
  };
}

/**
 * The user id the gateway verified, from `x-user-id`; missing means the request was not authenticated.
 */
export function requireUserId(request: FastifyRequest): string {
  const raw = request.headers[USER_ID_HEADER];
  if (typeof raw !== 'string' || raw.trim() === '')
    throw new ProblemError('unauthorized', { detail: 'sign in: the cart needs an access token' });
  const userId = raw.trim();
  if (userId.length > MAX_USER_ID_LENGTH)
    throw new ProblemError('unauthorized', { detail: 'the user id is not one the gateway issues' });
  return userId;
}

function catalogDown(error: CatalogUnavailableError): ProblemError {
  return new ProblemError('serviceUnavailable', {
    detail: 'the catalogue cannot be reached to price the cart; retry shortly',
    headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
    cause: error,
  });
}

/** Dependencies of {@link registerCartRoutes}. */
export interface CartRoutesOptions {
  carts: Carts;
  pricing: CartPricing;
  products: ProductLookup;
  /** The shop's currency: products in another one cannot be put in a cart. */
  currency: string;
}

/**
 * Registers the cart's HTTP API. Every route answers the priced cart; the caller is `x-user-id` (set by the
 * gateway from the verified token).
 */
export function registerCartRoutes(app: FastifyInstance, options: CartRoutesOptions): void {
  const { carts, pricing, products, currency } = options;

  async function priced(cart: Parameters<typeof priceCart>[1]): Promise<CartView> {
    try {
      return cartView(await priceCart(pricing, cart, 'optional'));
    } catch (error) {
      if (error instanceof CatalogUnavailableError) throw catalogDown(error);
      throw error;
    }
  }

  app.get('/api/cart', async (request) => priced(await carts.get(requireUserId(request))));

  app.put('/api/cart/items/:productId', async (request) => {
    const userId = requireUserId(request);
    const { productId } = parseInput(itemParams, request.params, 'path');
    const { quantity } = parseInput(setQuantityBodySchema, request.body, 'body');
    let product;
    try {
      product = await products.get(productId.toLowerCase());
    } catch (error) {
      if (error instanceof CatalogUnavailableError) throw catalogDown(error);
      throw error;
    }
    if (product === undefined)
      throw new ProblemError('resourceNotFound', { detail: `the catalogue has no product ${productId}` });
    if (product.price.currency !== currency)
      throw new ProblemError('conflict', {
        detail: `product ${productId} is sold in ${product.price.currency}; this shop charges in ${currency}`,
        extensions: { reason: 'other-currency' },
      });
    const result = await carts.setQuantity(userId, productId, quantity);
    if (result.outcome === 'too-many-lines')
      throw new ProblemError('conflict', {
        detail: `a cart holds at most ${MAX_CART_LINES} different products`,
        extensions: { reason: 'too-many-lines', maxLines: MAX_CART_LINES },
      });
    return priced(result.cart);
  });

  app.delete('/api/cart/items/:productId', async (request) => {
    const userId = requireUserId(request);
    const { productId } = parseInput(itemParams, request.params, 'path');
    return priced(await carts.removeLine(userId, productId));
  });

  app.delete('/api/cart', async (request) => {
    const result = await carts.clear(requireUserId(request));
    return priced(result.cart);
  });
}
