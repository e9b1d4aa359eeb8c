export { cartService, type CartDependencies, type CartServiceOptions } from './app.js';
export { cartConfigSchema, type CartConfig } from './config.js';
export {
  createCarts,
  InvalidCartInput,
  MAX_CART_LINES,
  MAX_LINE_QUANTITY,
  MAX_USER_ID_LENGTH,
  SWEEP_BATCH,
  type CartEntry,
  type Carts,
  type CartsOptions,
  type ClearResult,
  type SetQuantityResult,
  type StoredCart,
} from './carts.js';
export {
  priceLines,
  PricingError,
  MAX_UNIT_AMOUNT_MINOR,
  type LineToPrice,
  type PricedLine,
  type Pricing,
} from './pricing.js';
export {
  createCartPricing,
  priceCart,
  type CartPricing,
  type CartPricingOptions,
  type LoyaltyMode,
  type PricedCart,
  type PricedLines,
  type UnavailableLine,
  type UnavailableReason,
} from './cart-pricing.js';
export {
  createCachedProductLookup,
  CatalogUnavailableError,
  type CachedProductLookupOptions,
  type ProductInfo,
  type ProductLookup,
} from './product-lookup.js';
export { LoyaltyUnavailableError, type LoyaltyLookup, type LoyaltyStanding } from './loyalty-lookup.js';
export {
  registerCartRoutes,
  cartView,
  requireUserId,
  setQuantityBodySchema,
  RETRY_AFTER_SECONDS,
  USER_ID_HEADER,
  type CartRoutesOptions,
  type CartView,
} from './routes.js';
export { createCartRpc, toRpcCart, type CartRpcOptions } from './rpc.js';
export { cartMigrations } from './migrations.js';
export type { CartTables } from './tables.js';
export {
  createCatalogProductLookup,
  type CatalogProductLookupOptions,
} from './adapters/catalog-product-lookup.js';
export { createUsersLoyaltyLookup } from './adapters/users-loyalty-lookup.js';
