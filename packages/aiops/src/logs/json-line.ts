/** JSON log lines: the message field is mined, every other scalar field is kept as a label. */
export interface JsonLogLine {
  readonly content: string;
  /** The other top-level fields, stringified (objects and arrays as JSON). */
  readonly labels: Readonly<Record<string, string>>;
  /** Which key held the message. */
  readonly messageKey: string;
}

export const DEFAULT_MESSAGE_KEYS: readonly string[] = ['msg', 'message'];

/**
 * Parses one line as a JSON object and picks its message (the first of `messageKeys` holding a string).
 * `undefined` for lines that are not a JSON object or have no message, so callers can fall back to plain text.
 */
export function parseJsonLogLine(
  line: string,
  messageKeys: readonly string[] = DEFAULT_MESSAGE_KEYS,
): JsonLogLine | undefined {
  const text = line.trim();
  if (!text.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const messageKey = messageKeys.find((key) => typeof record[key] === 'string');
  if (messageKey === undefined) return undefined;
  const labels: Record<string, string> = {};
  for (const [key, field] of Object.entries(record)) {
    if (key === messageKey || field === undefined) continue;
    labels[key] = typeof field === 'string' ? field : JSON.stringify(field);
  }
  return { content: record[messageKey] as string, labels, messageKey };
}
