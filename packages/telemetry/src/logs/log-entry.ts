/**
 * The rules an appended entry must follow, shared by `append` and the push endpoint (which checks a whole
 * request before storing any of it), and the cut of over-long lines.
 */
import type { LogAppendEntry } from './log-source.js';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const MAX_TIMESTAMP_NS = 2n ** 63n - 1n;

/** A bad entry passed to `append`. */
export class InvalidLogEntryError extends Error {
  override readonly name = 'InvalidLogEntryError';
}

/**
 * Throws {@link InvalidLogEntryError} when `append` would refuse the entry: a line that is not a string,
 * label names outside `[a-zA-Z_][a-zA-Z0-9_]*`, no non-empty label, a timestamp outside [0, 2⁶³).
 * The push endpoint checks a whole request with it before storing anything.
 */
export function checkLogEntry(entry: LogAppendEntry): void {
  if (typeof entry.line !== 'string') throw new InvalidLogEntryError('the line must be a string');
  let labelled = false;
  for (const [name, value] of Object.entries(entry.labels)) {
    if (!LABEL_NAME.test(name)) throw new InvalidLogEntryError(`invalid label name ${JSON.stringify(name)}`);
    if (typeof value !== 'string') throw new InvalidLogEntryError(`label ${name} must be a string`);
    if (value !== '') labelled = true;
  }
  if (!labelled) throw new InvalidLogEntryError('at least one label pair is required per stream');
  const ts = entry.timestampNs;
  if (ts !== undefined && (typeof ts !== 'bigint' || ts < 0n || ts > MAX_TIMESTAMP_NS)) {
    throw new InvalidLogEntryError(`timestamp ${String(ts)} is out of range`);
  }
}

/** Cuts a line to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateLine(line: string, maxBytes: number): string {
  if (line.length * 3 <= maxBytes || Buffer.byteLength(line, 'utf8') <= maxBytes) return line;
  return new TextDecoder().decode(Buffer.from(line, 'utf8').subarray(0, maxBytes)).replace(/\uFFFD$/, '');
}
