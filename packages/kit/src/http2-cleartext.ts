import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
} from 'node:http2';
import type { Server, Socket } from 'node:net';
import type { Logger } from './logger.js';

/** A request handler of Node's HTTP/2 compatibility API. */
export type Http2Handler = (req: Http2ServerRequest, res: Http2ServerResponse) => void;

/** The client connection preface of HTTP/2 with prior knowledge (RFC 9113 §3.4). */
export const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Options of {@link createHttp2Cleartext}. */
export interface Http2CleartextOptions {
  handler: Http2Handler;
  log: Logger;
  /** A connection that has not sent enough bytes to be classified within this time is closed. */
  sniffTimeoutMs?: number;
  /**
   * Where connections starting with a TLS handshake record go (the service has an identity); without it they
   * are HTTP/1.1's to refuse, as before.
   */
  tls?: { accept(socket: Socket): void };
}

/** First byte of a TLS record of type handshake (a ClientHello): no HTTP/1.1 method or preface starts so. */
const TLS_HANDSHAKE = 0x16;

/** HTTP/2 cleartext served next to an HTTP/1.1 server on the same listening socket. */
export interface Http2Cleartext {
  /**
   * Takes over the connections of `server` (an `http.Server`, before it listens): each connection is read
   * until it is known to start with the HTTP/2 preface or not, then handed to the HTTP/2 server or to
   * `server`'s own connection listeners, which therefore keep all their behaviour.
   */
  attach(server: Server): void;
  /**
   * Graceful close: connections not yet classified are closed, every HTTP/2 session (and any opened from now
   * on) gets a GOAWAY and closes once its in-flight streams finished. Resolves when all sessions are closed.
   */
  close(): Promise<void>;
  /** Destroys every session and connection at once (the shutdown deadline passed). */
  destroy(): void;
}

/**
 * Classifies connections by their first bytes, like Go's `h2c` or Envoy's codec auto-detection: gRPC clients
 * speak HTTP/2 with prior knowledge (no Upgrade dance, no TLS ALPN), so the preface is the only signal.
 * With `options.tls`, a first byte 0x16 (a TLS ClientHello) sends the connection to the TLS server instead.
 */
export function createHttp2Cleartext(options: Http2CleartextOptions): Http2Cleartext {
  const { log, tls } = options;
  const sniffTimeoutMs = options.sniffTimeoutMs ?? 60_000;
  const h2 = createHttp2Server(options.handler);
  const sessions = new Set<ServerHttp2Session>();
  const sniffing = new Set<Socket>();
  let closing = false;

  h2.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    // A session that raced the shutdown is told to go away right after its SETTINGS.
    if (closing) session.close();
  });
  h2.on('sessionError', (error) => log.debug({ err: error }, 'http2 session error'));

  const classify = (server: Server, http1Listeners: ((socket: Socket) => void)[], socket: Socket) => {
    sniffing.add(socket);
    const chunks: Buffer[] = [];
    let length = 0;
    const timer = setTimeout(() => socket.destroy(), sniffTimeoutMs);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      sniffing.delete(socket);
      socket.off('data', onData);
      socket.off('error', onEarlyEnd);
      socket.off('end', onEarlyEnd);
      socket.off('close', done);
    };
    const onEarlyEnd = () => {
      done();
      socket.destroy();
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      const head = chunks.length === 1 ? chunk : Buffer.concat(chunks, length);
      if (tls !== undefined && head[0] === TLS_HANDSHAKE) {
        done();
        socket.pause();
        socket.unshift(head);
        // The TLS socket takes over the handle and first consumes what is buffered.
        tls.accept(socket);
        return;
      }
      const compared = Math.min(head.length, HTTP2_PREFACE.length);
      const prefixMatches = head.subarray(0, compared).equals(HTTP2_PREFACE.subarray(0, compared));
      if (prefixMatches && compared < HTTP2_PREFACE.length) return; // need more bytes to tell
      done();
      // Give the bytes back; both servers read what is buffered before reading the socket again.
      socket.pause();
      socket.unshift(head);
      if (prefixMatches) {
        h2.emit('connection', socket);
      } else {
        for (const listener of http1Listeners) listener.call(server, socket);
        // The HTTP/1.1 server listens for 'data' but leaves a paused socket paused.
        socket.resume();
      }
    };
    socket.on('data', onData);
    socket.on('error', onEarlyEnd);
    socket.on('end', onEarlyEnd);
    socket.on('close', done);
  };

  return {
    attach(server) {
      const http1Listeners = server.listeners('connection') as ((socket: Socket) => void)[];
      server.removeAllListeners('connection');
      server.on('connection', (socket: Socket) => classify(server, http1Listeners, socket));
    },
    close() {
      closing = true;
      for (const socket of sniffing) socket.destroy();
      sniffing.clear();
      const closed = [...sessions].map((session) => new Promise<void>((resolve) => session.close(resolve)));
      return Promise.all(closed).then(() => undefined);
    },
    destroy() {
      closing = true;
      for (const socket of sniffing) socket.destroy();
      for (const session of sessions) session.destroy();
    },
  };
}
