// NAB's timestamps are naive wall-clock times ("2014-04-01 00:00:00", labels add ".000000"); they are read
// as UTC so that the gaps between rows are exact (no daylight-saving jumps).
const PATTERN = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/;

/** A NAB timestamp, as milliseconds (detectors) and microseconds (exact equality like Python's datetime). */
export interface NabTimestamp {
  readonly ms: number;
  readonly micros: number;
}

/** Parses `YYYY-MM-DD HH:MM[:SS[.ffffff]]` (space or `T`) as UTC; throws on anything else. */
export function parseNabTimestamp(text: string): NabTimestamp {
  const m = PATTERN.exec(text.trim());
  if (!m) throw new Error(`not a NAB timestamp: ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  if (Number.isNaN(ms) || new Date(ms).getUTCDate() !== Number(d)) {
    throw new Error(`not a valid date: ${JSON.stringify(text)}`);
  }
  const subMicros = frac === undefined ? 0 : Number(frac.padEnd(6, '0'));
  return { ms: ms + Math.floor(subMicros / 1000), micros: ms * 1000 + subMicros };
}
