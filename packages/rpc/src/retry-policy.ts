import type { DescMethod } from '@bufbuild/protobuf';
import { MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt';
import { Code, type ConnectError } from '@connectrpc/connect';

/** Retry settings of a client (gRPC's retryPolicy: maxAttempts, initialBackoff, maxBackoff). */
export interface RetryOptions {
  /** Attempts of one call, the first included; default 3 (1 disables retries). */
  maxAttempts?: number;
  /** Back-off ceiling before the second attempt; doubles after each attempt; default 25 ms. */
  baseDelayMs?: number;
  /** Largest back-off ceiling; default 400 ms. */
  maxDelayMs?: number;
}

/** {@link RetryOptions} with defaults applied. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Applies the defaults (3 attempts, 25 ms, 400 ms) and sane bounds. */
export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  const baseDelayMs = Math.max(0, options.baseDelayMs ?? 25);
  return {
    maxAttempts: Math.max(1, Math.floor(options.maxAttempts ?? 3)),
    baseDelayMs,
    maxDelayMs: Math.max(baseDelayMs, options.maxDelayMs ?? 400),
  };
}

/** True when the method declares `idempotency_level` IDEMPOTENT or NO_SIDE_EFFECTS in its .proto. */
export function isRetryableMethod(method: DescMethod): boolean {
  return (
    method.idempotency === MethodOptions_IdempotencyLevel.IDEMPOTENT ||
    method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS
  );
}

/**
 * Codes worth another attempt. UNAVAILABLE only, as in gRPC's and Google's (AIP-194) guidance: the upstream
 * did not act, or the method is idempotent. DEADLINE_EXCEEDED is final (the budget is spent),
 * RESOURCE_EXHAUSTED is left to the caller (a quota may not come back within the deadline).
 */
export function isRetryableError(error: ConnectError): boolean {
  return error.code === Code.Unavailable;
}

/** gRPC's server pushback trailer: a delay to honour, or a negative/garbage value meaning "do not retry". */
export const PUSHBACK_TRAILER = 'grpc-retry-pushback-ms';

/**
 * The server's pushback for this error: a delay in ms, `'stop'` when the server asked not to retry, or
 * undefined when it said nothing (gRPC A6).
 */
export function pushback(error: ConnectError): number | 'stop' | undefined {
  const value = error.metadata.get(PUSHBACK_TRAILER);
  if (value === null) return undefined;
  return /^\d+$/.test(value.trim()) ? Number(value.trim()) : 'stop';
}

/**
 * Full-jitter exponential back-off before attempt `attempt + 1` (attempt counts from 1): a uniform delay in
 * [0, min(maxDelayMs, baseDelayMs · 2^(attempt-1))), as gRPC's retry design and AWS's "full jitter" advise.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
