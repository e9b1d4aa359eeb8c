/** Formats a duration in ms as `1h2m`, `3m4s` or `5s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}

/** Lays out rows as an aligned plain-text table with a header. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const LEVELS: Record<string, string> = {
  '10': 'trace',
  '20': 'debug',
  '30': 'info',
  '40': 'warn',
  '50': 'error',
  '60': 'fatal',
};
const text = (value: unknown): string =>
  typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
const SKIP = new Set(['level', 'time', 'msg', 'service', 'version', 'instance', 'pid', 'hostname']);

/**
 * Renders a replica's JSON log line compactly for a terminal (`12:00:01 info  request served status=200`);
 * lines that are not JSON pass through unchanged.
 */
export function formatLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level =
    typeof record.level === 'number'
      ? (LEVELS[String(record.level)] ?? String(record.level))
      : text(record.level);
  const time = typeof record.time === 'string' ? record.time.slice(11, 19) : '';
  const extra = Object.entries(record)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${text(v)}`)
    .join(' ');
  return `${time} ${level.padEnd(5)} ${text(record.msg)}${extra ? ` ${extra}` : ''}`.trim();
}
