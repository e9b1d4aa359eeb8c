/** One row of a `timestamp,value` CSV: the text as given (echoed to the output) and the parsed point. */
export interface CsvPoint {
  /** 1-based line number in the input. */
  readonly line: number;
  readonly timestampText: string;
  readonly valueText: string;
  readonly timestampMs: number;
  /** NaN and ±Infinity are allowed (the detector skips them and scores 0). */
  readonly value: number;
}

/** A row that cannot be read: the message names the line and what is wrong. */
export class CsvInputError extends Error {
  override readonly name = 'CsvInputError';
}

const EPOCH_SECONDS = /^-?\d+(\.\d+)?$/;
// ISO-8601 date-time: `T` or a space between date and time, optional fraction, `Z` or an offset; no zone is UTC.
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SPECIAL_VALUES: Record<string, number> = {
  nan: NaN,
  inf: Infinity,
  '+inf': Infinity,
  infinity: Infinity,
  '+infinity': Infinity,
  '-inf': -Infinity,
  '-infinity': -Infinity,
};

function unquote(field: string): string {
  const trimmed = field.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')
    ? trimmed.slice(1, -1).replaceAll('""', '"')
    : trimmed;
}

/** Milliseconds since the epoch of an ISO-8601 date-time or of epoch seconds; undefined when neither. */
export function parseCsvTimestamp(text: string): number | undefined {
  if (EPOCH_SECONDS.test(text)) return Number(text) * 1000;
  const m = ISO_DATE_TIME.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const offset = zone === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac.slice(0, 4)}${offset}`);
  return Number.isNaN(ms) ? undefined : ms;
}

function parseValue(text: string): number | undefined {
  if (NUMBER.test(text)) return Number(text);
  return SPECIAL_VALUES[text.toLowerCase()];
}

/**
 * Reads `timestamp,value` rows (a header line naming the columns is skipped; blank lines are ignored; extra
 * columns are refused). Throws a {@link CsvInputError} at the first bad row: nothing is silently dropped.
 */
export function parseDetectCsv(text: string): CsvPoint[] {
  const points: CsvPoint[] = [];
  const lines = text.split(/\r?\n/);
  let previousMs = -Infinity;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    const line = i + 1;
    const fields = raw.split(',');
    if (fields.length !== 2)
      throw new CsvInputError(`line ${line}: expected 2 columns (timestamp,value), found ${fields.length}`);
    const timestampText = unquote(fields[0]!);
    const valueText = unquote(fields[1]!);
    if (points.length === 0 && /^[a-z_ ]+$/i.test(timestampText) && parseValue(valueText) === undefined)
      continue; // the header
    const timestampMs = parseCsvTimestamp(timestampText);
    if (timestampMs === undefined)
      throw new CsvInputError(
        `line ${line}: "${timestampText}" is not a timestamp (ISO-8601 such as 2026-12-06T10:00:00Z, or epoch seconds)`,
      );
    const value = parseValue(valueText);
    if (value === undefined) throw new CsvInputError(`line ${line}: "${valueText}" is not a number`);
    if (timestampMs < previousMs)
      throw new CsvInputError(`line ${line}: timestamp ${timestampText} is earlier than the row before`);
    previousMs = timestampMs;
    points.push({ line, timestampText, valueText, timestampMs, value });
  }
  return points;
}
