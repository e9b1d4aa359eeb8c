import { createWeightedRoundRobin } from '@opsloop/kit';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE, problemTypes, problemTypeUri } from '@opsloop/contracts';
import type { EndpointRegistry } from '../registry/registry.js';

/** Options of {@link createTcpBalancer}. */
export interface TcpBalancerOptions {
  service: string;
  registry: EndpointRegistry;
  port: number;
  host?: string;
}

/** A stable loopback address for a service, balanced over its ready replicas. */
export interface TcpBalancer {
  readonly url: string;
  close(): Promise<void>;
}

/** How long a closed upstream's client may keep sending before its connection is dropped. */
const LINGER_MS = 5_000;

const IPV4_LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/**
 * The address to connect to a loopback upstream from: the client's own loopback address, so the replica sees
 * who called (a gateway's per-client rate limit, its access log) as it would behind a Kubernetes Service with
 * `externalTrafficPolicy: Local`. Every 127.0.0.0/8 address is local on Linux; elsewhere the bind fails and
 * the balancer stops trying (see `transparent`).
 */
export function sourceAddressFor(client: string | undefined, upstreamHost: string): string | undefined {
  const address = client?.startsWith('::ffff:') ? client.slice(7) : client;
  if (address === undefined || !IPV4_LOOPBACK.test(address) || !IPV4_LOOPBACK.test(upstreamHost))
    return undefined;
  return address;
}

function unavailable(socket: Socket, service: string): void {
  const body = JSON.stringify({
    type: problemTypeUri('upstreamUnavailable'),
    title: problemTypes.upstreamUnavailable.title,
    status: 503,
    detail: `no ready replica of ${service}`,
  });
  socket.end(
    `HTTP/1.1 503 Service Unavailable\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}\r\nretry-after: 1\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/**
 * Exposes a service the way a Kubernetes Service does: one listening address, each new connection sent
 * (smooth weighted) round-robin to a ready replica from the registry (connections that fail to connect try the next one).
 * Replicas can restart on new ports while users keep one URL.
 */
export async function createTcpBalancer(options: TcpBalancerOptions): Promise<TcpBalancer> {
  const host = options.host ?? '127.0.0.1';
  // Smooth weighted round-robin: equal replicas alternate, and a traffic split (endpoint weights set by the
  // registry for a rollout) holds per connection; weight 0 gets no new connection.
  const balancer = createWeightedRoundRobin();
  const sockets = new Set<Socket>();
  // Cleared the first time a connection from the client's address cannot be made (no such local address).
  let transparent = true;

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const endpoints = options.registry.list(options.service).endpoints;
    const tried = new Set<string>();
    const attempt = (again?: URL) => {
      const endpoint = again === undefined ? balancer.pick(endpoints, tried) : undefined;
      if (again === undefined && endpoint === undefined) {
        unavailable(client, options.service);
        client.resume();
        return;
      }
      if (endpoint !== undefined) tried.add(endpoint.instance);
      const target = again ?? new URL(endpoint!.url);
      const localAddress = transparent ? sourceAddressFor(client.remoteAddress, target.hostname) : undefined;
      const upstream = connect({
        host: target.hostname,
        port: Number(target.port),
        ...(localAddress === undefined ? {} : { localAddress }),
      });
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.once('connect', () => {
        upstream.removeAllListeners('error');
        let upstreamEnded = false;
        upstream.on('end', () => (upstreamEnded = true));
        // A write to an upstream that already answered and closed (EPIPE) is the lingering case below.
        upstream.on('error', () => {
          if (!upstreamEnded) client.destroy();
        });
        upstream.on('close', () => {
          client.unpipe(upstream);
          if (!upstreamEnded) {
            client.destroy();
            return;
          }
          // Lingering close, as nginx does: keep reading (and dropping) what the client still sends, e.g. the
          // rest of a body the server refused with 413, so the client reads the answer instead of a reset.
          client.on('data', () => {});
          client.resume();
          setTimeout(() => client.destroy(), LINGER_MS).unref();
        });
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
      upstream.once('error', (error: NodeJS.ErrnoException) => {
        upstream.destroy();
        if (client.destroyed) return;
        if (localAddress !== undefined && error.code === 'EADDRNOTAVAIL') {
          transparent = false;
          attempt(target);
          return;
        }
        attempt();
      });
    };
    attempt();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
