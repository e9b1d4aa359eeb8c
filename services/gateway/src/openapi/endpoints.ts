import { z } from 'zod';
import { productListQuerySchema, productPageSchema, productSchema } from '@opsloop/contracts';
import { orderPageViewSchema, orderViewSchema } from '../orders/order-view.js';
import { orderParamsSchema, ordersQuerySchema } from '../orders/routes.js';
import { storefrontSchema } from '../storefront/storefront.js';

/** One operation of the public API, as the OpenAPI document lists it. */
export interface EndpointDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI path template (`/api/products/{id}`). */
  path: string;
  summary: string;
  tag: string;
  /** `gateway` for routes the gateway answers itself; otherwise the service the route table sends it to. */
  servedBy: 'gateway' | 'upstream';
  query?: z.ZodObject;
  params?: z.ZodObject;
  /** JSON request body, when it has one (a named schema or a described free object). */
  body?: { name: string; schema: z.ZodType } | { description: string };
  /** 2xx answers: status → named schema, or a description for shapes owned by another service. */
  responses: Record<string, { name: string; schema: z.ZodType } | { description: string }>;
  /** Error statuses the operation itself documents (401, 429 and 5xx are added for every operation). */
  errors?: number[];
  /** Sends ETag / Cache-Control and answers If-None-Match with 304. */
  cacheable?: boolean;
  /** Request headers the operation reads (beyond Authorization). */
  headers?: { name: string; required: boolean; description: string }[];
}

const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key',
  description: '1–255 printable ASCII characters; a retry with the same key never acts twice.',
};

const idParams = z.object({ id: z.uuid() });

/**
 * Every public API operation that can be reached through the gateway. Shapes that live in
 * packages/contracts come from there (zod → JSON Schema); the gateway's own (orders, storefront) from its
 * modules; shapes owned by services not yet described in contracts are described in words.
 */
export const ENDPOINTS: readonly EndpointDoc[] = [
  {
    method: 'get',
    path: '/api/products',
    summary: 'One page of the catalogue (search with q, page with cursor)',
    tag: 'catalog',
    servedBy: 'upstream',
    query: productListQuerySchema,
    responses: { '200': { name: 'ProductPage', schema: productPageSchema } },
    errors: [400],
    cacheable: true,
  },
  {
    method: 'get',
    path: '/api/products/{id}',
    summary: 'One product',
    tag: 'catalog',
    servedBy: 'upstream',
    params: idParams,
    responses: { '200': { name: 'Product', schema: productSchema } },
    errors: [400, 404],
    cacheable: true,
  },
  {
    method: 'post',
    path: '/api/users',
    summary: 'Sign up',
    tag: 'users',
    servedBy: 'upstream',
    headers: [{ ...IDEMPOTENCY_KEY, required: false }],
    body: { description: '{ email, password (10–1024 characters), name (1–100 characters) }' },
    responses: { '201': { description: '{ userId, email, name }' } },
    errors: [400, 409],
  },
  {
    method: 'post',
    path: '/api/users/login',
    summary: 'Sign in: an access token (EdDSA JWT) for Authorization: Bearer',
    tag: 'users',
    servedBy: 'upstream',
    body: { description: '{ email, password }' },
    responses: {
      '200': {
        name: 'AccessToken',
        schema: z.object({
          accessToken: z.string(),
          tokenType: z.literal('Bearer'),
          expiresIn: z.number().int().positive(),
        }),
      },
    },
    // A wrong email or password is a 401 from the users service (the route itself is public).
    errors: [400, 401],
  },
  {
    method: 'get',
    path: '/api/users/me',
    summary: 'The signed-in user',
    tag: 'users',
    servedBy: 'upstream',
    responses: {
      '200': { description: '{ userId, email, name, loyaltyPoints, discountPercent, createdAt }' },
    },
    errors: [404],
  },
  {
    method: 'get',
    path: '/api/cart',
    summary: "The caller's cart, priced (loyalty discount applied)",
    tag: 'cart',
    servedBy: 'upstream',
    responses: { '200': { description: 'The priced cart (see the cart service README).' } },
  },
  {
    method: 'delete',
    path: '/api/cart',
    summary: 'Empty the cart',
    tag: 'cart',
    servedBy: 'upstream',
    responses: { '200': { description: 'The priced (empty) cart.' } },
  },
  {
    method: 'put',
    path: '/api/cart/items/{productId}',
    summary: "Set a line's quantity",
    tag: 'cart',
    servedBy: 'upstream',
    params: z.object({ productId: z.uuid() }),
    body: { description: '{ quantity: 1–99 }' },
    responses: { '200': { description: 'The priced cart.' } },
    errors: [400, 404, 409],
  },
  {
    method: 'delete',
    path: '/api/cart/items/{productId}',
    summary: 'Remove a line',
    tag: 'cart',
    servedBy: 'upstream',
    params: z.object({ productId: z.uuid() }),
    responses: { '200': { description: 'The priced cart.' } },
    errors: [400],
  },
  {
    method: 'post',
    path: '/api/checkout',
    summary: 'Check out the cart (or the lines given): order, stock, payment',
    tag: 'checkout',
    servedBy: 'upstream',
    headers: [{ ...IDEMPOTENCY_KEY, required: true }],
    body: { description: '{ lines?: [{ productId, quantity }] } (the cart when absent)' },
    responses: { '201': { description: 'The completed checkout (see the checkout service README).' } },
    errors: [400, 409],
  },
  {
    method: 'get',
    path: '/api/checkout/{id}',
    summary: "One of the caller's checkouts",
    tag: 'checkout',
    servedBy: 'upstream',
    params: idParams,
    responses: { '200': { description: 'The checkout saga: state, step, lines, totals.' } },
    errors: [404],
  },
  {
    method: 'get',
    path: '/api/orders',
    summary: "The caller's orders, newest first (gRPC OrdersService.ListOrders)",
    tag: 'orders',
    servedBy: 'gateway',
    query: ordersQuerySchema,
    responses: { '200': { name: 'OrderPage', schema: orderPageViewSchema } },
    errors: [400],
  },
  {
    method: 'get',
    path: '/api/orders/{id}',
    summary: "One of the caller's orders (gRPC OrdersService.GetOrder); 404 for anyone else's",
    tag: 'orders',
    servedBy: 'gateway',
    params: orderParamsSchema,
    responses: { '200': { name: 'Order', schema: orderViewSchema } },
    errors: [400, 404],
  },
  {
    method: 'get',
    path: '/api/storefront',
    summary: 'The home page in one call: products, cart, recommendations; degraded parts listed',
    tag: 'storefront',
    servedBy: 'gateway',
    responses: { '200': { name: 'Storefront', schema: storefrontSchema } },
  },
  {
    method: 'get',
    path: '/api/docs',
    summary: 'This API reference (Swagger UI)',
    tag: 'docs',
    servedBy: 'gateway',
    responses: { '200': { description: 'An HTML page.' } },
  },
  {
    method: 'get',
    path: '/api/docs/openapi.json',
    summary: 'This document',
    tag: 'docs',
    servedBy: 'gateway',
    responses: { '200': { description: 'The OpenAPI 3.1 document.' } },
  },
];
