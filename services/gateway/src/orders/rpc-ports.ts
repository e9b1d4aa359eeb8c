import type { rpc } from '@opsloop/contracts';

/** Per-call options the gateway passes to gRPC clients (a subset of Connect's `CallOptions`). */
export interface RpcCallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Request metadata: trace context and request id. */
  headers?: Record<string, string>;
}

/**
 * The orders calls the gateway makes. A Connect client of `rpc.OrdersService` (`createRpcClient`) satisfies
 * it; tests may pass a stand-in.
 */
export interface OrdersReader {
  listOrders(
    request: { userId: string; limit: number; cursor: string },
    options?: RpcCallOptions,
  ): Promise<rpc.ListOrdersResponse>;
  getOrder(request: { orderId: string }, options?: RpcCallOptions): Promise<rpc.Order>;
}

/** The cart call the storefront makes; a Connect client of `rpc.CartService` satisfies it. */
export interface CartReader {
  getCart(request: { userId: string }, options?: RpcCallOptions): Promise<rpc.Cart>;
}
