import { createService, createTestTracing, type TestTracing } from '@opsloop/kit';

/** A kit service `shop` (instance `shop-1`) with a `GET /checkout` route, traced into memory. */
export interface TracedShop {
  readonly tracing: TestTracing;
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** Starts a {@link TracedShop} on 127.0.0.1 (a random port): its latency buckets carry exemplars. */
export async function startTracedShop(): Promise<TracedShop> {
  const tracing = createTestTracing('shop');
  const service = await createService({
    name: 'shop',
    version: '1.2.3',
    env: { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', OPSLOOP_INSTANCE: 'shop-1' },
    setup({ app }) {
      app.get('/checkout', () => ({ ok: true }));
    },
  });
  const baseUrl = await service.listen();
  return {
    tracing,
    baseUrl,
    async close() {
      await service.shutdown('test');
      await tracing.shutdown();
    },
  };
}
