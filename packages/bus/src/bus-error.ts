/**
 * Stable codes of {@link BusError}:
 * - `invalid-argument`: a stream, group or option is invalid;
 * - `invalid-event`: the event envelope is invalid (id, type, key, time, headers, data not JSON);
 * - `event-too-large`: the encoded event exceeds {@link MAX_EVENT_BYTES};
 * - `stream-not-found`: publish or subscribe to a stream that was never ensured;
 * - `unauthorized`: the embedded broker refused the token;
 * - `unavailable`: the broker or server cannot be reached (after retries);
 * - `closed`: the bus or broker was closed;
 * - `storage`: the embedded broker's disk failed or its files are corrupt;
 * - `protocol`: an unexpected answer from the broker or server.
 */
export type BusErrorCode =
  | 'invalid-argument'
  | 'invalid-event'
  | 'event-too-large'
  | 'stream-not-found'
  | 'unauthorized'
  | 'unavailable'
  | 'closed'
  | 'storage'
  | 'protocol';

const CODES: ReadonlySet<string> = new Set<BusErrorCode>([
  'invalid-argument',
  'invalid-event',
  'event-too-large',
  'stream-not-found',
  'unauthorized',
  'unavailable',
  'closed',
  'storage',
  'protocol',
]);

/** Whether `value` is one of the {@link BusErrorCode}s. */
export function isBusErrorCode(value: unknown): value is BusErrorCode {
  return typeof value === 'string' && CODES.has(value);
}

/** The one error type the bus throws; branch on `code`, never on the message. */
export class BusError extends Error {
  override readonly name = 'BusError';
  readonly code: BusErrorCode;

  constructor(code: BusErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
