/**
 * The one catalogue of problem types (RFC 9457) that opsloop's HTTP APIs return.
 *
 * A `type` URI is a public, stable identifier: clients branch on it, so an entry is never renamed or
 * reused for another meaning. docs/errors.md documents every entry; a test keeps the two in sync.
 */

/** Base of every opsloop problem `type` URI; the slug follows. */
export const PROBLEM_TYPE_BASE = 'https://opsloop.dev/problems/';

/** One entry of the problem catalogue. */
export interface ProblemTypeDefinition {
  /** Stable slug, the last segment of the `type` URI. */
  readonly slug: string;
  /** Short human summary, constant for the type (RFC 9457 `title`). */
  readonly title: string;
  /** The HTTP status this problem is sent with. */
  readonly status: number;
  /** When a client sees it and what to do; the text documented in docs/errors.md. */
  readonly description: string;
}

const define = <const T extends Record<string, ProblemTypeDefinition>>(catalog: T): T => catalog;

/** Every problem type, keyed by a code used in source (`problemTypes.validationFailed`). */
export const problemTypes = define({
  validationFailed: {
    slug: 'validation-failed',
    title: 'Request validation failed',
    status: 400,
    description:
      'A path parameter, query parameter, header or body field is missing or invalid. The `errors` member lists each problem with its location (`in`), `path` and `message`. Fix the request; retrying it unchanged fails again.',
  },
  malformedBody: {
    slug: 'malformed-body',
    title: 'Request body could not be parsed',
    status: 400,
    description:
      'The body is not valid for its declared `content-type` (for example, invalid JSON or an empty body sent as `application/json`). Send a well-formed body.',
  },
  idempotencyKeyRequired: {
    slug: 'idempotency-key-required',
    title: 'Idempotency-Key header required',
    status: 400,
    description:
      'The operation creates something and must carry an `Idempotency-Key` header (1-255 printable ASCII characters) so that a retry never performs it twice.',
  },
  unauthorized: {
    slug: 'unauthorized',
    title: 'Authentication required',
    status: 401,
    description:
      'No valid bearer token was presented. Send `Authorization: Bearer <token>`; the CLI reads the token from the runtime state file (`.opsloop/runtime.json`).',
  },
  forbidden: {
    slug: 'forbidden',
    title: 'Not allowed for this token',
    status: 403,
    description:
      "The token is valid but its role does not allow this operation (least privilege: a replica's discovery token can only read endpoints).",
  },
  routeNotFound: {
    slug: 'route-not-found',
    title: 'No such route',
    status: 404,
    description: 'No endpoint matches this method and path. Check the URL against the API reference.',
  },
  resourceNotFound: {
    slug: 'resource-not-found',
    title: 'Resource not found',
    status: 404,
    description: 'The route exists but the resource it names (for example a product id) does not.',
  },
  conflict: {
    slug: 'conflict',
    title: 'Conflict with the current state',
    status: 409,
    description:
      'The request is valid but conflicts with the current state of the resource (for example, the same Idempotency-Key reused with a different body).',
  },
  outOfStock: {
    slug: 'out-of-stock',
    title: 'Out of stock',
    status: 409,
    description:
      'A checkout asked for more of a product than is available; nothing was reserved or charged. The `shortages` member lists each product short with `productId`, `requested` and `available`. Lower the quantities (or wait for a restock) and check out with a new Idempotency-Key.',
  },
  paymentDeclined: {
    slug: 'payment-declined',
    title: 'Payment declined',
    status: 402,
    description:
      'The payment of a checkout was declined (`reason: payment-declined`, with `declineReason`) or could not be captured (`reason: payment-error`); nothing was charged and the stock was released. Use another payment method and check out with a new Idempotency-Key.',
  },
  payloadTooLarge: {
    slug: 'payload-too-large',
    title: 'Request body too large',
    status: 413,
    description:
      'The body exceeds the size limit of the receiving service (1 MiB unless configured with `BODY_LIMIT_BYTES`). Send a smaller body.',
  },
  unsupportedMediaType: {
    slug: 'unsupported-media-type',
    title: 'Unsupported content type',
    status: 415,
    description:
      'The `content-type` of the body is not one this endpoint accepts (usually `application/json`).',
  },
  rateLimited: {
    slug: 'rate-limited',
    title: 'Too many requests',
    status: 429,
    description:
      'The client sent requests faster than allowed: at the gateway, its user id when signed in (else its IP address) exceeded the token bucket (`RATE_LIMIT_RPS` sustained, `RATE_LIMIT_BURST` at once), and the `RateLimit-*` headers of every response show the remaining budget; at the control API, too many event streams (`GET /v1/stream`) are open at once. `Retry-After` says how many seconds to wait.',
  },
  internalError: {
    slug: 'internal-error',
    title: 'Internal error',
    status: 500,
    description:
      'The service failed unexpectedly. Nothing internal is disclosed; the `request_id` member identifies the logs of the failure. Retrying may help for idempotent requests.',
  },
  badGateway: {
    slug: 'bad-gateway',
    title: 'Upstream service failed',
    status: 502,
    description:
      'The gateway reached the upstream service but the exchange failed (connection reset, invalid response). GET requests were already retried on other replicas before this was returned.',
  },
  upstreamUnavailable: {
    slug: 'upstream-unavailable',
    title: 'No ready replica of the upstream service',
    status: 503,
    description:
      'The gateway has no ready replica of the service the route maps to (all replicas starting, draining or failed). `Retry-After` says when to try again.',
  },
  serviceUnavailable: {
    slug: 'service-unavailable',
    title: 'Service not ready',
    status: 503,
    description:
      'The service is starting, draining for shutdown, or a dependency it needs is not ready. `/readyz` lists the failing checks. Retry later.',
  },
  backupNotFound: {
    slug: 'backup-not-found',
    title: 'No such backup',
    status: 404,
    description:
      'The control API has no backup with this id (`opsloop backup list` lists them; an id is the UTC time it started, such as `20261207T190000Z`). Backups beyond `runtime.backups.keep` are deleted.',
  },
  backupInProgress: {
    slug: 'backup-in-progress',
    title: 'A backup or restore is running',
    status: 409,
    description:
      'The runtime runs one backup or restore at a time, and one is running (perhaps the scheduled one). Retry when it ends; `opsloop events` shows when.',
  },
  backupCorrupt: {
    slug: 'backup-corrupt',
    title: 'Backup failed its integrity check',
    status: 422,
    description:
      'A file of the backup is missing or does not match the sha256 its manifest recorded, so the restore was refused before any service was stopped: the live data is untouched. Restore another backup.',
  },
  backupFailed: {
    slug: 'backup-failed',
    title: 'Backup failed',
    status: 500,
    description:
      "The backup of at least one service failed (the `services` member has each service's `error`, for example an unset DATABASE_URL or a copy that exceeded the pause budget). It is kept, marked failed, and no older backup was deleted.",
  },
  restoreFailed: {
    slug: 'restore-failed',
    title: 'Restore failed',
    status: 500,
    description:
      "Restoring at least one service failed after it was stopped (the `services` member has each service's `error`). Its live data was put back where it could be, and the service was scaled back to its replica count; `opsloop events` and the runtime's log tell more.",
  },
  dashboardNotBuilt: {
    slug: 'dashboard-not-built',
    title: 'Dashboard not built',
    status: 503,
    description:
      'The control API serves the web dashboard from its built bundle (packages/dashboard/dist, or `OPSLOOP_DASHBOARD_DIR`), and there is none: run `npm run build`, then restart the runtime (the bundle is read at start).',
  },
  promqlBadData: {
    slug: 'promql-bad-data',
    title: 'Bad query request',
    status: 400,
    description:
      'A Prometheus API call (`/api/v1/…`) with malformed PromQL or a bad parameter; `error` holds Prometheus\'s message with the position (`1:5: parse error: …`). The body also carries Prometheus\'s `errorType` and `error` (and `status: "error"` unless the client accepts `application/problem+json`).',
  },
  promqlExecution: {
    slug: 'promql-execution',
    title: 'Query execution failed',
    status: 422,
    description:
      'A valid PromQL query that cannot be evaluated (many-to-many matching, too many samples, …). Change the query.',
  },
  promqlTimeout: {
    slug: 'promql-timeout',
    title: 'Query timed out',
    status: 503,
    description:
      'The query ran past its time limit (`timeout` parameter, 2 minutes at most). Narrow the range or the selectors.',
  },
  promqlCanceled: {
    slug: 'promql-canceled',
    title: 'Query canceled',
    status: 503,
    description:
      'The query was canceled before it finished (the client went away or the backend is stopping).',
  },
  promqlInternal: {
    slug: 'promql-internal',
    title: 'Internal query error',
    status: 500,
    description: 'The metrics store failed while answering; the backend log has the cause. Retry later.',
  },
  lokiBadPush: {
    slug: 'loki-bad-push',
    title: 'Loki push refused',
    status: 400,
    description:
      'A Loki push (`POST /loki/api/v1/push`, JSON or protobuf + snappy) that does not decode or holds an invalid stream, label or timestamp; nothing of the request was stored.',
  },
  lokiBadQuery: {
    slug: 'loki-bad-query',
    title: 'Loki query refused',
    status: 400,
    description:
      "A LogQL query or parameter the embedded log store cannot take; `error` holds the parser's message with the position (`parse error at line 1, col 9: …`).",
  },
  otlpBadRequest: {
    slug: 'otlp-bad-request',
    title: 'OTLP request could not be decoded',
    status: 400,
    description:
      'An OTLP/HTTP export (`POST /v1/traces`, protobuf or JSON, optionally gzip) that does not decode as an ExportTraceServiceRequest or holds invalid ids; nothing of the request was stored. The receiver keeps running.',
  },
  upstreamTimeout: {
    slug: 'upstream-timeout',
    title: 'Upstream service timed out',
    status: 504,
    description:
      'The upstream service did not answer within the gateway deadline (`UPSTREAM_TIMEOUT_MS`). The request may or may not have been processed: only retry idempotent requests or ones with an `Idempotency-Key`.',
  },
});

/** A key of the problem catalogue. */
export type ProblemTypeCode = keyof typeof problemTypes;

/** The full `type` URI of a catalogue entry. */
export function problemTypeUri(code: ProblemTypeCode): string {
  return PROBLEM_TYPE_BASE + problemTypes[code].slug;
}

/** The catalogue as a list, in declaration order (for docs and drift tests). */
export function listProblemTypes(): readonly (ProblemTypeDefinition & {
  code: ProblemTypeCode;
  type: string;
})[] {
  return (Object.keys(problemTypes) as ProblemTypeCode[]).map((code) => ({
    code,
    type: problemTypeUri(code),
    ...problemTypes[code],
  }));
}
