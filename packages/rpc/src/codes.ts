import { Code, ConnectError } from '@connectrpc/connect';

/** The canonical gRPC name of a code (`UNAVAILABLE`), as gRPC's own metrics and logs spell it. */
export function codeName(code: Code | undefined): string {
  if (code === undefined) return 'OK';
  const name = Code[code] as string | undefined;
  return name === undefined ? 'UNKNOWN' : name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

/** Codes that say the upstream is unhealthy (as opposed to a verdict on the request): they feed the breaker. */
const UNHEALTHY = new Set<Code>([Code.Unavailable, Code.DeadlineExceeded, Code.Internal, Code.Unknown]);

/** Whether `code` indicates an unhealthy upstream (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, UNKNOWN). */
export function isUnhealthyCode(code: Code): boolean {
  return UNHEALTHY.has(code);
}

/**
 * Node errors that mean the connection broke under the call, not that the server answered. connect-node
 * reports some of them as ABORTED or INTERNAL; gRPC reports a lost connection as UNAVAILABLE, and so do we, so
 * that a server's own ABORTED (e.g. "idempotency key in progress") stays distinguishable.
 */
const CONNECTION_LOST = new Set([
  // A replica whose certificate cannot be verified (another CA, expired, wrong service) is unusable, as a
  // refused connection is: another replica may be fine.
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ERR_STREAM_DESTROYED',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_HTTP2_INVALID_STREAM',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_STREAM_CANCEL',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_ERROR',
]);

function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string') codes.push(code);
    current = current.cause;
  }
  return codes;
}

/**
 * Turns anything a transport threw into a ConnectError; a connection lost under the call (not a status the
 * server sent) becomes UNAVAILABLE. So does CANCELED when the caller did not cancel (`signal` not aborted):
 * the server reset the stream (a replica dying cancels its streams), which is the upstream failing.
 */
export function normalizeClientError(error: unknown, signal?: AbortSignal): ConnectError {
  const connectError = ConnectError.from(error);
  if (connectError.code === Code.Unavailable || connectError.code === Code.DeadlineExceeded)
    return connectError;
  const lost =
    connectError.code === Code.Canceled
      ? signal?.aborted !== true
      : causeCodes(connectError.cause).some((code) => CONNECTION_LOST.has(code));
  if (lost) {
    return new ConnectError(
      connectError.rawMessage,
      Code.Unavailable,
      connectError.metadata,
      undefined,
      connectError.cause,
    );
  }
  return connectError;
}
