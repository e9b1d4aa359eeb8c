import { FlagsArgumentError } from './flag-errors.js';
import type { FlagSnapshot, FlagStore } from './flag-store.js';

/** Query parameter of a long-poll: the resourceVersion the client already has. */
export const WATCH_PARAM = 'watch';
/** Query parameter of a long-poll: how long the server may hold the request, in seconds. */
export const TIMEOUT_SECONDS_PARAM = 'timeoutSeconds';

/** Options of {@link answerFlagsRequest}. */
export interface FlagsEndpointOptions {
  /** Hold time when the client names none (default 30 s). */
  defaultTimeoutSeconds?: number;
  /** Longer requested hold times are cut to this (default 60 s), so a client cannot pin a request forever. */
  maxTimeoutSeconds?: number;
}

/** What to send: 200 with the snapshot as JSON, or 204 (no body) when a long-poll timed out unchanged. */
export type FlagsEndpointAnswer = { status: 200; body: FlagSnapshot } | { status: 204 };

function integerParam(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  if (!/^\d{1,15}$/.test(text)) {
    throw new FlagsArgumentError(
      name,
      `expected a non-negative integer, got ${JSON.stringify(text.slice(0, 32))}`,
    );
  }
  return Number(text);
}

/**
 * Answers `GET <flags endpoint>` the way every opsloop flags server must (the runtime's control API and the
 * test servers): without `watch`, 200 with `{resourceVersion, document}` at once; with
 * `watch=<rv>&timeoutSeconds=<n>`, 200 as soon as the store's resourceVersion differs from `rv` (at once if
 * it already does), else 204 after `n` seconds. Pass a signal that aborts when the client disconnects, so
 * the wait ends with it. Authentication is the caller's job.
 * @throws FlagsArgumentError naming a bad `watch` or `timeoutSeconds` (answer 400).
 */
export async function answerFlagsRequest(
  store: FlagStore,
  query: URLSearchParams,
  signal?: AbortSignal,
  options: FlagsEndpointOptions = {},
): Promise<FlagsEndpointAnswer> {
  const watch = integerParam(query, WATCH_PARAM);
  const requested = integerParam(query, TIMEOUT_SECONDS_PARAM);
  if (watch === undefined) return { status: 200, body: store.snapshot() };
  const seconds = Math.min(requested ?? options.defaultTimeoutSeconds ?? 30, options.maxTimeoutSeconds ?? 60);
  const changed = await store.waitForChange(watch, seconds * 1000, signal);
  return changed ? { status: 200, body: changed } : { status: 204 };
}
