import { z } from 'zod';
import { loadBalancingEnvSchema } from '@opsloop/kit';
import { serviceNameSchema } from '@opsloop/contracts';
import { DEFAULT_PUBLIC_ROUTES, parseAccessRules } from './access-rules.js';
import { parseRoutes } from './route-table.js';

/** A zod field that parses with `parse` and reports its one-line error as the variable's problem. */
function parsed<T>(parse: (value: string) => T, required: string) {
  return z.string({ error: required }).transform((value, ctx) => {
    try {
      return parse(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
      return z.NEVER;
    }
  });
}

const int = (what: string, min: number, max: number) =>
  z.coerce
    .number({ error: `expected ${what}` })
    .int(`expected ${what}`)
    .min(min, `expected ${what} ≥ ${min}`)
    .max(max, `expected ${what} ≤ ${max}`);

const positive = (what: string, max: number) =>
  z.coerce
    .number({ error: `expected ${what}` })
    .positive(`expected ${what} > 0`)
    .max(max, `expected ${what} ≤ ${max}`);

/** `/api/products;/api/other`: path prefixes (whole segments). */
function parsePrefixes(value: string): string[] {
  const prefixes = value
    .split(/[;,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
  for (const prefix of prefixes) {
    if (!/^\/[A-Za-z0-9._~\-/]*$/.test(prefix) || prefix.endsWith('/') || prefix.includes('//')) {
      throw new Error(`"${prefix}" is not a path prefix like /api/products`);
    }
  }
  return prefixes;
}

/** The gateway's own configuration (see README: every variable, its default and why). */
export const gatewayConfigSchema = z
  .object({
    /** `/prefix=service` entries separated by `;`, e.g. `/api/products=catalog;/api/cart=cart`. */
    ROUTES: parsed(parseRoutes, 'required: /prefix=service entries separated by ";"'),
    /** `METHOD /path[*]` entries that need no token; everything else under /api needs one. */
    PUBLIC_ROUTES: parsed(parseAccessRules, 'expected METHOD /path entries').default(
      parseAccessRules(DEFAULT_PUBLIC_ROUTES),
    ),
    UPSTREAM_TIMEOUT_MS: int('milliseconds', 1, 600_000).default(5_000),
    UPSTREAM_RETRIES: int('a count', 0, 5).default(2),
    /** Static endpoints when not run by the runtime: `catalog=http://127.0.0.1:3001,http://...;cart=...`. */
    OPSLOOP_ENDPOINTS: z.string().optional(),

    /** Services the gateway talks to itself (JWKS, gRPC, the storefront), by discovery name. */
    USERS_SERVICE: serviceNameSchema.default('users'),
    ORDERS_SERVICE: serviceNameSchema.default('orders'),
    CART_SERVICE: serviceNameSchema.default('cart'),
    CATALOG_SERVICE: serviceNameSchema.default('catalog'),

    AUTH_ISSUER: z.string().min(1).default('opsloop-shop'),
    AUTH_AUDIENCE: z.string().min(1).default('opsloop-shop'),
    JWKS_PATH: z
      .string()
      .regex(/^\/[\x21-\x7e]*$/, 'expected a path')
      .default('/.well-known/jwks.json'),
    JWKS_REFETCH_COOLDOWN_MS: int('milliseconds', 0, 3_600_000).default(5_000),
    JWKS_FETCH_TIMEOUT_MS: int('milliseconds', 1, 60_000).default(2_000),
    AUTH_CLOCK_TOLERANCE_S: int('seconds', 0, 300).default(5),
    TOKEN_CACHE_SIZE: int('a count', 0, 1_000_000).default(10_000),
    TOKEN_CACHE_TTL_MS: int('milliseconds', 0, 3_600_000).default(60_000),

    /** Sustained requests per second per client (user id when signed in, else IP address). */
    RATE_LIMIT_RPS: positive('requests per second', 1e9).default(100),
    /** Requests a client may send at once. */
    RATE_LIMIT_BURST: int('a count', 1, 1e9).default(200),
    RATE_LIMIT_MAX_CLIENTS: int('a count', 1, 10_000_000).default(100_000),

    /** GETs under these prefixes are cached (anonymous 200s only, as long as their max-age says). */
    CACHE_PREFIXES: parsed(parsePrefixes, 'expected path prefixes').default(['/api/products']),
    CACHE_MAX_ENTRIES: int('a count', 0, 1_000_000).default(1_000),
    CACHE_MAX_BYTES: int('bytes', 0, 1024 ** 3).default(16 * 1024 * 1024),
    CACHE_MAX_ENTRY_BYTES: int('bytes', 0, 64 * 1024 ** 2).default(256 * 1024),

    /** Deadline of one gRPC call to orders or cart. */
    RPC_TIMEOUT_MS: int('milliseconds', 1, 600_000).default(2_000),
    /** Deadline of each part of GET /api/storefront; a late part is left out and listed in `degraded`. */
    STOREFRONT_PART_TIMEOUT_MS: int('milliseconds', 1, 60_000).default(800),

    /** Processes sharing the port (node:cluster); 1 runs in the main process. */
    GATEWAY_WORKERS: int('a count', 1, 64).default(1),
  })
  .extend(loadBalancingEnvSchema.shape);

/** The gateway's parsed configuration. */
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
