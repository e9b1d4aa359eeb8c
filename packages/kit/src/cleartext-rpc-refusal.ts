import type { Http2Session } from 'node:http2';
import type { Http2Handler } from './http2-cleartext.js';
import type { Logger } from './logger.js';

/** gRPC status UNAUTHENTICATED. */
const UNAUTHENTICATED = 16;
const MESSAGE = 'mutual TLS required';

/**
 * The cleartext HTTP/2 handler of a service that has an identity: every request is refused, since its caller
 * cannot be authenticated. gRPC and gRPC-Web get a trailers-only `grpc-status: 16` (UNAUTHENTICATED), anything
 * else (Connect) a 401 with Connect's JSON error. One warning per connection, with the remote address.
 */
export function refuseCleartextRpc(log: Logger): Http2Handler {
  const warned = new WeakSet<Http2Session>();
  return (req, res) => {
    const session = req.stream.session;
    if (session !== undefined && !warned.has(session)) {
      warned.add(session);
      log.warn(
        { remote_address: req.socket.remoteAddress, path: req.url },
        'cleartext HTTP/2 refused: mutual TLS required',
      );
    }
    if (req.stream.destroyed) return; // the client gave up already
    const contentType = req.headers['content-type'] ?? '';
    if (contentType.startsWith('application/grpc')) {
      req.stream.respond(
        {
          ':status': 200,
          'content-type': contentType.startsWith('application/grpc-web') ? contentType : 'application/grpc',
          'grpc-status': String(UNAUTHENTICATED),
          'grpc-message': encodeURIComponent(MESSAGE),
        },
        { endStream: true },
      );
      return;
    }
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: 'unauthenticated', message: MESSAGE }));
  };
}
