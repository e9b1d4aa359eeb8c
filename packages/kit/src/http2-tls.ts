import {
  createSecureServer,
  type Http2SecureServer,
  type SecureServerOptions,
  type ServerHttp2Session,
} from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Http2Handler } from './http2-cleartext.js';
import type { IdentitySource } from './identity/identity-watcher.js';
import type { ServiceIdentity } from './identity/load-identity.js';
import type { Logger } from './logger.js';

/** Options of {@link createHttp2Tls}. */
export interface Http2TlsOptions {
  handler: Http2Handler;
  log: Logger;
  /** The replica's identity: its certificate is served, its CA is the only one trusted for clients. */
  identity: IdentitySource;
}

/** HTTP/2 over mutual TLS, fed connections by the kit's first-byte sniffer. */
export interface Http2Tls {
  /** Takes a connection whose first byte was a TLS handshake record (its bytes unshifted back). */
  accept(socket: Socket): void;
  /** Graceful close: handshakes in progress are cut, every session gets a GOAWAY; resolves when all closed. */
  close(): Promise<void>;
  /** Destroys every session and connection at once. */
  destroy(): void;
  /** The underlying secure server (its 'session' and 'tlsClientError' events, for tests). */
  readonly server: Http2SecureServer;
}

const contextOf = (identity: ServiceIdentity) => ({
  ca: identity.ca,
  cert: identity.cert,
  key: identity.key,
});
const keyOf = (socket: Pick<Socket, 'remoteAddress' | 'remotePort'>) =>
  `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;

/**
 * An `http2.createSecureServer` that never listens: the service's one port sniffs each connection and hands
 * TLS ones here. Clients must present a certificate of the runtime CA (`requestCert`, `rejectUnauthorized`);
 * only h2 is offered. When the identity is rotated, new handshakes use the new certificate and CA while live
 * sessions go on with the old ones (`setSecureContext`).
 */
export function createHttp2Tls(options: Http2TlsOptions): Http2Tls {
  const { log, identity } = options;
  const serverOptions: SecureServerOptions = {
    ...contextOf(identity.current()),
    requestCert: true,
    rejectUnauthorized: true,
    ALPNProtocols: ['h2'],
  };
  const server = createSecureServer(serverOptions, options.handler);
  const sessions = new Set<ServerHttp2Session>();
  /** Connections still in their handshake, by remote address and port (the TLS socket shares them). */
  const handshaking = new Map<string, Socket>();
  let closing = false;

  const unsubscribe = identity.onChange((next) => {
    try {
      server.setSecureContext(contextOf(next));
    } catch (error) {
      // The watcher validated the files: this is unexpected, and the previous context keeps serving.
      log.error({ err: error }, 'TLS context not updated with the new identity');
    }
  });

  server.on('secureConnection', (socket: TLSSocket) => void handshaking.delete(keyOf(socket)));
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    if (closing) session.close();
  });
  server.on('sessionError', (error) => log.debug({ err: error }, 'http2 (tls) session error'));
  server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) =>
    log.warn(
      { remote_address: socket.remoteAddress, code: error.code, err_message: error.message },
      'TLS handshake refused',
    ),
  );

  return {
    server,
    accept(socket) {
      if (closing) {
        socket.destroy();
        return;
      }
      const key = keyOf(socket);
      handshaking.set(key, socket);
      socket.once('close', () => {
        if (handshaking.get(key) === socket) handshaking.delete(key);
      });
      server.emit('connection', socket);
    },
    close() {
      closing = true;
      unsubscribe();
      for (const socket of handshaking.values()) socket.destroy();
      handshaking.clear();
      const closed = [...sessions].map((session) => new Promise<void>((resolve) => session.close(resolve)));
      return Promise.all(closed).then(() => undefined);
    },
    destroy() {
      closing = true;
      unsubscribe();
      for (const socket of handshaking.values()) socket.destroy();
      for (const session of sessions) session.destroy();
    },
  };
}
