import { z } from 'zod';

/** ISO 4217 currency code. */
export const currencySchema = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as EUR');

/** An amount of money in integer minor units (cents), never a float. */
export const moneySchema = z.object({
  amountMinor: z.number().int().nonnegative(),
  currency: currencySchema,
});

/** Money in integer minor units. */
export type Money = z.infer<typeof moneySchema>;

/** A product of the catalogue. */
export const productSchema = z.object({
  id: z.uuid(),
  sku: z.string().min(1),
  name: z.string().min(1),
  description: z.string(),
  category: z.string().min(1),
  price: moneySchema,
});

/** A product of the catalogue. */
export type Product = z.infer<typeof productSchema>;

/** `GET /api/products` response: one page of products and the cursor of the next page. */
export const productPageSchema = z.object({
  items: z.array(productSchema),
  nextCursor: z.string().nullable(),
});

/** One page of products. */
export type ProductPage = z.infer<typeof productPageSchema>;

/** Largest page size `GET /api/products` accepts. */
export const PRODUCT_PAGE_MAX = 100;

/** `GET /api/products` query parameters. */
export const productListQuerySchema = z.object({
  q: z.string().trim().max(200, 'must be at most 200 characters').optional(),
  limit: z.coerce
    .number({ error: 'must be an integer' })
    .int('must be an integer')
    .min(1, 'must be ≥ 1')
    .max(PRODUCT_PAGE_MAX, `must be ≤ ${PRODUCT_PAGE_MAX}`)
    .default(20),
  cursor: z.string().max(200).optional(),
});

/** Parsed `GET /api/products` query. */
export type ProductListQuery = z.infer<typeof productListQuerySchema>;
