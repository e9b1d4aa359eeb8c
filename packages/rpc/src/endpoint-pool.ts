import type { SecureClientSessionOptions } from 'node:http2';
import { Code, ConnectError, type Interceptor, type Transport } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager, type Http2SessionOptions } from '@connectrpc/connect-node';
import type { Endpoint } from '@opsloop/contracts';
import { peerServiceOf, type IdentitySource } from '@opsloop/kit';

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
  /**
   * Mutual TLS: dial `https://` (same host and port as discovery's `http://` URL) presenting `identity`'s
   * certificate, and accept only a server whose certificate names `target`.
   */
  tls?: { identity: IdentitySource; target: string };
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

/** Discovery lists replicas as `http://host:port`; over TLS the same port is dialled as `https://`. */
function httpsUrl(url: string): string {
  const parsed = new URL(url);
  parsed.protocol = 'https:';
  return parsed.toString().replace(/\/$/, '');
}

/**
 * TLS options of a new connection to `target`, with the identity current now. The server's host is an IP,
 * which no certificate names: it is checked by its URI SAN instead (the service it runs).
 */
function tlsOptions(identity: IdentitySource, target: string): SecureClientSessionOptions {
  const { ca, cert, key } = identity.current();
  return {
    ca,
    cert,
    key,
    servername: target,
    checkServerIdentity(_host, peer) {
      const service = peerServiceOf(peer);
      // UNAVAILABLE, as gRPC reports a failed handshake: the call may go to another replica.
      return service === target
        ? undefined
        : new ConnectError(
            `server certificate names ${service ?? 'no service'}, expected ${target}`,
            Code.Unavailable,
          );
    },
  };
}

/**
 * One gRPC transport (HTTP/2, binary protobuf) per endpoint, each with its own session manager, so its
 * connection can be closed: connect-node's transports keep sessions open and have no close of their own.
 * A replica that leaves discovery is closed once its in-flight calls ended (a draining replica finishes them).
 * Over TLS, a new identity retires every entry the same way: calls in flight finish on their connection, new
 * calls open one with the new certificate.
 */
export function createEndpointPool(options: EndpointPoolOptions = {}): EndpointPool {
  const entries = new Map<string, Entry>();

  const retire = (key: string, entry: Entry) => {
    entries.delete(key);
    entry.retired = true;
    if (entry.inFlight === 0) entry.manager.abort();
  };
  const { tls } = options;
  const unsubscribe = tls?.identity.onChange(() => {
    for (const [key, entry] of entries) retire(key, entry);
  });

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
      const url = tls ? httpsUrl(endpoint.url) : endpoint.url;
      const manager = tls
        ? new Http2SessionManager(url, options.session, tlsOptions(tls.identity, tls.target))
        : new Http2SessionManager(url, options.session);
      const entry: Entry = {
        endpoint,
        manager,
        transport: createGrpcTransport({
          baseUrl: url,
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
      unsubscribe?.();
      for (const [key, entry] of entries) {
        entries.delete(key);
        entry.retired = true;
        entry.manager.abort();
      }
    },
  };
}
