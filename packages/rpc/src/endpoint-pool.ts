import type { Interceptor, Transport } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager, type Http2SessionOptions } from '@connectrpc/connect-node';
import type { Endpoint } from '@opsloop/contracts';

/** One upstream replica with its HTTP/2 transport. */
export interface PooledEndpoint {
  readonly endpoint: Endpoint;
  readonly transport: Transport;
  /** Marks a call in flight on this endpoint; call the returned function when it ends. */
  hold(): () => void;
}

/** Options of {@link createEndpointPool}. */
export interface EndpointPoolOptions {
  /** HTTP/2 keepalive and idle settings of each connection. */
  session?: Http2SessionOptions;
  /** Interceptors of every transport. */
  interceptors?: Interceptor[];
}

/** The transports of one target's replicas, created lazily and closed when a replica leaves discovery. */
export interface EndpointPool {
  /** Brings the pool in line with `endpoints` (the current discovery answer) and returns their entries. */
  sync(endpoints: readonly Endpoint[]): void;
  /** The entry for `endpoint`, creating its transport on first use. */
  get(endpoint: Endpoint): PooledEndpoint;
  /** Open transports (for tests and metrics). */
  size(): number;
  /** Closes every connection now (in-flight calls fail). */
  close(): void;
}

interface Entry extends PooledEndpoint {
  readonly manager: Http2SessionManager;
  inFlight: number;
  retired: boolean;
}

const keyOf = (endpoint: Endpoint) => `${endpoint.instance}@${endpoint.url}`;

/**
 * One gRPC transport (HTTP/2, binary protobuf) per endpoint, each with its own session manager, so its
 * connection can be closed: connect-node's transports keep sessions open and have no close of their own.
 * A replica that leaves discovery is closed once its in-flight calls ended (a draining replica finishes them).
 */
export function createEndpointPool(options: EndpointPoolOptions = {}): EndpointPool {
  const entries = new Map<string, Entry>();

  const retire = (key: string, entry: Entry) => {
    entries.delete(key);
    entry.retired = true;
    if (entry.inFlight === 0) entry.manager.abort();
  };

  return {
    sync(endpoints) {
      if (entries.size === 0) return;
      const current = new Set(endpoints.map(keyOf));
      for (const [key, entry] of entries) if (!current.has(key)) retire(key, entry);
    },
    get(endpoint) {
      const key = keyOf(endpoint);
      const found = entries.get(key);
      if (found) return found;
      const manager = new Http2SessionManager(endpoint.url, options.session);
      const entry: Entry = {
        endpoint,
        manager,
        transport: createGrpcTransport({
          baseUrl: endpoint.url,
          sessionManager: manager,
          ...(options.interceptors ? { interceptors: options.interceptors } : {}),
        }),
        inFlight: 0,
        retired: false,
        hold() {
          entry.inFlight++;
          let released = false;
          return () => {
            if (released) return;
            released = true;
            entry.inFlight--;
            if (entry.retired && entry.inFlight === 0) manager.abort();
          };
        },
      };
      entries.set(key, entry);
      return entry;
    },
    size: () => entries.size,
    close() {
      for (const [key, entry] of entries) {
        entries.delete(key);
        entry.retired = true;
        entry.manager.abort();
      }
    },
  };
}
