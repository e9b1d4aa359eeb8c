import type { Http2ServerRequest } from 'node:http2';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { createContextKey, type HandlerContext } from '@connectrpc/connect';
import { peerServiceOf } from '@opsloop/kit';

/** Who is calling, as the transport tells it. */
export interface RpcPeer {
  /** The call came over TLS (mutual: the kit's server only completes handshakes with a verified client). */
  readonly tls: boolean;
  /** The client presented a certificate (always, over the kit's TLS). */
  readonly certificate: boolean;
  /** The service named by the client certificate's URI SAN; undefined over cleartext or without one. */
  readonly service: string | undefined;
  readonly remoteAddress: string | undefined;
}

/** Where `serveRpc` puts the {@link RpcPeer} of each call (undefined outside `serveRpc`). */
export const RPC_PEER = createContextKey<RpcPeer | undefined>(undefined, { description: 'opsloop rpc peer' });

/** The peer of a session does not change: parse its certificate once, not on every call. */
const bySession = new WeakMap<object, RpcPeer>();

/** The {@link RpcPeer} of a request of Node's HTTP/2 (or HTTP/1.1) server. */
export function peerOfRequest(req: IncomingMessage | Http2ServerRequest): RpcPeer {
  const session = 'stream' in req ? req.stream.session : undefined;
  const cached = session ? bySession.get(session) : undefined;
  if (cached) return cached;
  const socket = req.socket as Partial<TLSSocket>;
  const remoteAddress = socket.remoteAddress;
  let peer: RpcPeer;
  if (socket.encrypted !== true || typeof socket.getPeerX509Certificate !== 'function') {
    peer = { tls: false, certificate: false, service: undefined, remoteAddress };
  } else {
    const cert = socket.getPeerX509Certificate();
    peer = { tls: true, certificate: cert !== undefined, service: peerServiceOf(cert), remoteAddress };
  }
  if (session) bySession.set(session, peer);
  return peer;
}

/**
 * The calling service, from its verified client certificate (mutual TLS); undefined over cleartext. For
 * handlers that log or authorise by caller.
 */
export function callerOf(context: Pick<HandlerContext, 'values'>): string | undefined {
  return context.values.get(RPC_PEER)?.service;
}
