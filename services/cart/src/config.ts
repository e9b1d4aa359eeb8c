import { z } from 'zod';
import { currencySchema } from '@opsloop/contracts';
import { storeConfigSchema } from '@opsloop/store';

const integer = (unit: string, min: number, max: number) =>
  z.coerce
    .number({ error: `expected ${unit}` })
    .int(`expected whole ${unit}`)
    .min(min, `expected at least ${min} ${unit}`)
    .max(max, `expected at most ${max} ${unit}`);

/** The cart's configuration: the store's variables plus its own. */
export const cartConfigSchema = storeConfigSchema.extend({
  /** A cart expires this long after its last change. */
  CART_TTL_SECONDS: integer('seconds', 60, 365 * 86_400).default(7 * 86_400),
  /** How often expired carts are deleted. */
  CART_SWEEP_INTERVAL_SECONDS: integer('seconds', 1, 86_400).default(3600),
  /** The shop's one currency: products priced in another cannot be put in a cart. */
  CART_CURRENCY: currencySchema.default('EUR'),
  /** How long a product's name and price from the catalogue are reused (0: ask every time). */
  CATALOG_CACHE_TTL_MS: integer('milliseconds', 0, 300_000).default(10_000),
  /** Deadline of one catalogue request. */
  CATALOG_TIMEOUT_MS: integer('milliseconds', 50, 30_000).default(2000),
  /** Deadline of one GetLoyalty call to the users service. */
  USERS_TIMEOUT_MS: integer('milliseconds', 50, 30_000).default(1000),
  /** Static discovery outside the runtime: `catalog=http://…;users=http://…`. */
  OPSLOOP_ENDPOINTS: z.string().optional(),
});

/** The cart's settings. */
export type CartConfig = z.infer<typeof cartConfigSchema>;
