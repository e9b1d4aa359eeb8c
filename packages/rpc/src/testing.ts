// Test support, exported for the gRPC suites of services (which may import @opsloop/rpc but not each other).
// No test framework here: production code imports this package's index too.
import type { DescService } from '@bufbuild/protobuf';
import { ConnectError } from '@connectrpc/connect';
import { createStaticResolver, type Service } from '@opsloop/kit';
import { createRpcClient, type RpcClient, type RpcClientOptions } from './client.js';

/** The error a call fails with, as a `ConnectError`; throws if the call succeeds. */
export async function rpcErrorOf(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error('the call succeeded');
}

/** Options of {@link createRpcTestServer}; `R` is what the service uses and the suite owns (e.g. a database). */
export interface RpcTestServerOptions<R> {
  /** The service's name in discovery, e.g. `inventory`. */
  target: string;
  /** Opens what the service uses and must outlive it (e.g. a database the suite drops at the end). */
  open(): Promise<R>;
  /** Creates the service under test (not listening yet) on what `open` gave. */
  create(resource: R): Promise<Service>;
  /** Frees what `open` gave, after the client closed and the service shut down (not called if `open` failed). */
  dispose(resource: R): Promise<void>;
  /** Options of the client, besides its target and resolver (a static one, of this service alone). */
  client?: Omit<RpcClientOptions, 'target' | 'resolver'>;
}

/** A service listening on 127.0.0.1 and an `RpcClient` of it alone, for `beforeAll`/`afterAll`. */
export interface RpcTestServer<T extends DescService> {
  /**
   * Opens the resource, creates and starts the service, then the client. Never rejects: a failing `beforeAll` would report the
   * tests as skipped, and an unreachable backend must fail them instead, so the failure is thrown by
   * `client()` and `service()`.
   */
  start(): Promise<void>;
  /** Closes the client, shuts the service down, then disposes of the resource. */
  stop(): Promise<void>;
  /** The client; throws the start failure, if any. */
  client(): RpcClient<T>;
  /** The service (e.g. for `app.inject` on its REST routes); throws the start failure, if any. */
  service(): Service;
}

/**
 * A gRPC test server of `descriptor`: `start()` opens the resource, creates the service on it, listens on
 * 127.0.0.1 and connects a client through a static resolver (endpoint `<target>-1`, version `1`); `stop()`
 * closes the client, shuts the service down and disposes of the resource.
 */
export function createRpcTestServer<T extends DescService, R>(
  descriptor: T,
  options: RpcTestServerOptions<R>,
): RpcTestServer<T> {
  let opened: { resource: R } | undefined;
  let service: Service | undefined;
  let client: RpcClient<T> | undefined;
  let failure: Error | undefined;
  const { target } = options;
  return {
    async start() {
      try {
        const resource = await options.open();
        opened = { resource };
        service = await options.create(resource);
        const url = await service.listen();
        client = createRpcClient(descriptor, {
          target,
          resolver: createStaticResolver(
            new Map([[target, [{ instance: `${target}-1`, url, version: '1' }]]]),
          ),
          ...options.client,
        });
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
      }
    },
    async stop() {
      await client?.close();
      await service?.shutdown('test');
      if (opened !== undefined) await options.dispose(opened.resource);
    },
    client() {
      if (failure !== undefined) throw failure;
      if (client === undefined) throw new Error('no client');
      return client;
    },
    service() {
      if (failure !== undefined) throw failure;
      if (service === undefined) throw new Error('no service');
      return service;
    },
  };
}
