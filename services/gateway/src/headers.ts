import type { IncomingHttpHeaders } from 'node:http';

// RFC 9110 §7.6.1 connection-specific fields, plus the ones the gateway sets itself (forwarding, identity,
// trace context): a client's values for those never travel upstream.
const DROPPED_REQUEST_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'x-request-id',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-user-id',
  'traceparent',
  'tracestate',
]);

/** Headers a cache fetch drops: the gateway asks for the full representation, or adds its own validator. */
const CONDITIONAL_REQUEST_HEADERS = new Set(['if-none-match', 'if-modified-since', 'if-match', 'if-range']);

/** What the gateway adds to a request it forwards. */
export interface ForwardedFields {
  requestId: string;
  clientIp: string;
  host: string | undefined;
  /** The authenticated user (`sub` of the token), or undefined for an anonymous request. */
  userId: string | undefined;
  traceparent: string;
  tracestate: string | undefined;
}

/**
 * Headers of a client request as they go upstream: hop-by-hop fields (and any the `connection` header
 * lists) dropped, identity and forwarding fields set by the gateway. `dropConditional` removes the
 * client's validators (the response cache fetches on its own behalf).
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  forwarded: ForwardedFields,
  dropConditional = false,
): Record<string, string | string[]> {
  const connection = incoming.connection;
  // `connection: keep-alive` / `close` list nothing beyond fields dropped anyway: skip the split.
  const listed =
    connection === undefined || connection === 'keep-alive' || connection === 'close'
      ? undefined
      : new Set(
          connection
            .split(',')
            .map((s) => s.trim().toLowerCase())
            .filter(Boolean),
        );
  const out: Record<string, string | string[]> = {};
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || DROPPED_REQUEST_HEADERS.has(name) || listed?.has(name) === true) continue;
    if (dropConditional && CONDITIONAL_REQUEST_HEADERS.has(name)) continue;
    out[name] = value;
  }
  const prior = incoming['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${String(prior)}, ${forwarded.clientIp}` : forwarded.clientIp;
  out['x-forwarded-proto'] = 'http';
  if (forwarded.host !== undefined) out['x-forwarded-host'] = forwarded.host;
  out['x-request-id'] = forwarded.requestId;
  out.traceparent = forwarded.traceparent;
  if (forwarded.tracestate !== undefined) out.tracestate = forwarded.tracestate;
  if (forwarded.userId !== undefined) out['x-user-id'] = forwarded.userId;
  return out;
}

const RESPONSE_HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'x-request-id',
]);

/** Headers of an upstream response as they go back to the client. */
export function downstreamResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || RESPONSE_HOP_BY_HOP.has(name)) continue;
    out[name] = value;
  }
  return out;
}
