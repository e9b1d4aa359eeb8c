export { gatewayService, gatewayConfigSchema, type GatewayServiceOptions } from './app.js';
export type { GatewayConfig } from './config.js';
export { parseRoutes, matchRoute, type GatewayRoute } from './route-table.js';
export { parseAccessRules, isPublic, DEFAULT_PUBLIC_ROUTES, type AccessRule } from './access-rules.js';
export {
  createProxy,
  type Proxy,
  type ProxyOptions,
  type UpstreamRequest,
  type UpstreamResponse,
} from './proxy.js';
export {
  createRateLimiter,
  InvalidRateLimits,
  type RateLimiter,
  type RateLimiterOptions,
  type RateLimits,
  type RateDecision,
} from './rate-limit/token-bucket.js';
export {
  RATE_LIMIT_FLAG,
  MAX_FLAG_RATE,
  limitsForFlag,
  ratePolicyOf,
  watchRateLimitFlag,
  type RateLimitFlag,
  type RateLimitFlagOptions,
} from './rate-limit/rate-limit-flag.js';
export { createResponseCache, type ResponseCache, type CachedResponse } from './cache/response-cache.js';
export { buildOpenApiDocument, type OpenApiOptions } from './openapi/document.js';
export type { OrdersReader, CartReader, RpcCallOptions } from './orders/rpc-ports.js';
export { storefrontSchema, type Storefront } from './storefront/storefront.js';
