import type { Money, rpc } from '@opsloop/contracts';
import { Code, ConnectError, type ServiceImpl } from '@opsloop/rpc';
import { priceCart, type CartPricing, type LoyaltyMode, type PricedCart } from './cart-pricing.js';
import {
  MAX_CART_LINES,
  MAX_LINE_QUANTITY,
  MAX_USER_ID_LENGTH,
  type Carts,
  type StoredCart,
} from './carts.js';
import { LoyaltyUnavailableError } from './loyalty-lookup.js';
import { CatalogUnavailableError } from './product-lookup.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_UINT32 = 0xffff_ffff;

const toRpcMoney = (money: Money) => ({ amountMinor: BigInt(money.amountMinor), currency: money.currency });

/** The gRPC message of a priced cart. */
export function toRpcCart(cart: PricedCart) {
  return {
    userId: cart.userId,
    lines: cart.lines.map((line) => ({
      productId: line.productId,
      name: line.name,
      quantity: line.quantity,
      unitPrice: toRpcMoney(line.unitPrice),
      lineTotal: toRpcMoney(line.lineTotal),
    })),
    subtotal: toRpcMoney(cart.subtotal),
    discountPercent: cart.discountPercent,
    discount: toRpcMoney(cart.discount),
    total: toRpcMoney(cart.total),
    loyaltyPoints: Math.min(cart.loyalty?.points ?? 0, MAX_UINT32),
    version: BigInt(cart.version),
  };
}

function checkUserId(userId: string): string {
  if (userId === '') throw new ConnectError('user_id is required', Code.InvalidArgument);
  if (userId.length > MAX_USER_ID_LENGTH)
    throw new ConnectError(
      `user_id must have at most ${MAX_USER_ID_LENGTH} characters`,
      Code.InvalidArgument,
    );
  return userId;
}

/**
 * Prices for a caller that charges: a missing dependency is UNAVAILABLE (retry later), never a silent
 * full-price or partial answer; a line the catalogue no longer sells is FAILED_PRECONDITION.
 */
async function strictPrice(pricing: CartPricing, cart: StoredCart, mode: LoyaltyMode = 'required') {
  let priced: PricedCart;
  try {
    priced = await priceCart(pricing, cart, mode);
  } catch (error) {
    if (error instanceof CatalogUnavailableError)
      throw new ConnectError('the catalogue is unavailable', Code.Unavailable, undefined, undefined, error);
    if (error instanceof LoyaltyUnavailableError)
      throw new ConnectError(
        'the users service is unavailable: loyalty discounts cannot be applied',
        Code.Unavailable,
        undefined,
        undefined,
        error,
      );
    throw error;
  }
  const gone = priced.unavailable[0];
  if (gone !== undefined)
    throw new ConnectError(
      `product ${gone.productId} cannot be bought (${gone.reason}); ${priced.unavailable.length} line(s) affected`,
      Code.FailedPrecondition,
    );
  return toRpcCart(priced);
}

/** Dependencies of {@link createCartRpc}. */
export interface CartRpcOptions {
  carts: Carts;
  pricing: CartPricing;
}

/**
 * The gRPC binding of the cart (`opsloop.shop.v1.CartService`), for the checkout saga. GetCart and PriceLines
 * need the users service (UNAVAILABLE without it, so a checkout is never charged without its discount);
 * ClearCart(if_version) is FAILED_PRECONDITION when the cart changed since that version.
 */
export function createCartRpc(options: CartRpcOptions): ServiceImpl<typeof rpc.CartService> {
  const { carts, pricing } = options;
  return {
    async getCart(request) {
      const userId = checkUserId(request.userId);
      return strictPrice(pricing, await carts.get(userId));
    },

    async priceLines(request) {
      const userId = checkUserId(request.userId);
      if (request.lines.length > MAX_CART_LINES)
        throw new ConnectError(`at most ${MAX_CART_LINES} lines`, Code.InvalidArgument);
      const seen = new Set<string>();
      const lines = request.lines.map((line, index) => {
        const productId = line.productId.toLowerCase();
        if (!UUID.test(productId))
          throw new ConnectError(
            `lines[${index}].product_id must be a product id (UUID)`,
            Code.InvalidArgument,
          );
        if (line.quantity < 1 || line.quantity > MAX_LINE_QUANTITY)
          throw new ConnectError(
            `lines[${index}].quantity must be 1 to ${MAX_LINE_QUANTITY}`,
            Code.InvalidArgument,
          );
        if (seen.has(productId))
          throw new ConnectError(`lines[${index}].product_id appears twice`, Code.InvalidArgument);
        seen.add(productId);
        return { productId, quantity: line.quantity };
      });
      // Not a stored cart: version 0.
      return strictPrice(pricing, { userId, version: 0, lines, updatedAt: null, expiresAt: null });
    },

    async clearCart(request) {
      const userId = checkUserId(request.userId);
      if (request.ifVersion < 0n || request.ifVersion > BigInt(Number.MAX_SAFE_INTEGER))
        throw new ConnectError('if_version must be a non-negative version', Code.InvalidArgument);
      // Only the checkout saga calls ClearCart: once the order is paid.
      const result = await carts.clear(userId, Number(request.ifVersion), 'checkout');
      if (result.outcome === 'version-mismatch')
        throw new ConnectError(
          `the cart is at version ${result.cart.version}, not ${request.ifVersion}: it changed, nothing was removed`,
          Code.FailedPrecondition,
        );
      // The clear is done whatever happens next; a discount missing from this answer overcharges nobody.
      return strictPrice(pricing, result.cart, 'optional');
    },
  };
}
