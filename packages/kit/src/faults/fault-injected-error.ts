import type { FaultGrpcCode, FaultHttpStatus } from './fault-spec.js';

// The kit may be loaded twice in one process (its sources by its own tests, its build by other packages):
// `instanceof` would fail across the two copies, so the class carries a process-wide brand.
const BRAND = Symbol.for('@opsloop/kit.fault-injected-error');

/** What an injected failure suggests to the layer that reports it. */
export interface FaultInjectedErrorOptions {
  point: string;
  /** The id of the fault that failed the call. */
  faultId: string;
  /** The HTTP status a server should answer with. */
  status: FaultHttpStatus;
  /** The gRPC code a server (or, at `dependency:*`, the client) should fail the call with. */
  grpcCode: FaultGrpcCode;
}

/**
 * A call failed on purpose by an `errors` fault at a point (see `faultPoint`). Its message is deliberately
 * plain ("injected failure at db"), and the layers that translate it (HTTP hook, gRPC interceptors, the
 * payments provider) turn it into the error a real failure there would produce.
 */
export class FaultInjectedError extends Error {
  override readonly name = 'FaultInjectedError';
  /** The point at which the call failed. */
  readonly point: string;
  /** Always `errors`: the only kind that fails calls. */
  readonly kind = 'errors' as const;
  /** The id of the fault. */
  readonly faultId: string;
  /** Suggested HTTP status. */
  readonly status: FaultHttpStatus;
  /** Suggested gRPC code (canonical name, `UNAVAILABLE`). */
  readonly grpcCode: FaultGrpcCode;

  constructor(options: FaultInjectedErrorOptions) {
    super(`injected failure at ${options.point}`);
    this.point = options.point;
    this.faultId = options.faultId;
    this.status = options.status;
    this.grpcCode = options.grpcCode;
    (this as unknown as Record<symbol, boolean>)[BRAND] = true;
  }

  /** Whether `value` is a {@link FaultInjectedError}, from this copy of the kit or another. */
  static is(value: unknown): value is FaultInjectedError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** Whether `value` is a {@link FaultInjectedError} (works across copies of the kit). */
export function isFaultInjectedError(value: unknown): value is FaultInjectedError {
  return FaultInjectedError.is(value);
}

const GRPC_OF_STATUS: Partial<Record<number, FaultGrpcCode>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  413: 'RESOURCE_EXHAUSTED',
  415: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const STATUS_OF_GRPC: Record<FaultGrpcCode, FaultHttpStatus> = {
  CANCELLED: 500,
  UNKNOWN: 500,
  INVALID_ARGUMENT: 400,
  DEADLINE_EXCEEDED: 504,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  RESOURCE_EXHAUSTED: 429,
  FAILED_PRECONDITION: 400,
  ABORTED: 409,
  OUT_OF_RANGE: 400,
  UNIMPLEMENTED: 500,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DATA_LOSS: 500,
  UNAUTHENTICATED: 401,
};

/**
 * The status and code an `errors` fault at `point` fails with: what was given, the other derived from it,
 * and by default UNAVAILABLE / 503 for `dependency:*` (an unreachable upstream) and INTERNAL / 500 elsewhere.
 */
export function failureOf(
  point: string,
  params: { status?: number | undefined; grpcCode?: FaultGrpcCode | undefined },
): { status: FaultHttpStatus; grpcCode: FaultGrpcCode } {
  const status = params.status as FaultHttpStatus | undefined;
  if (status !== undefined)
    return { status, grpcCode: params.grpcCode ?? GRPC_OF_STATUS[status] ?? 'INTERNAL' };
  if (params.grpcCode !== undefined)
    return { status: STATUS_OF_GRPC[params.grpcCode], grpcCode: params.grpcCode };
  return point.startsWith('dependency:')
    ? { status: 503, grpcCode: 'UNAVAILABLE' }
    : { status: 500, grpcCode: 'INTERNAL' };
}
