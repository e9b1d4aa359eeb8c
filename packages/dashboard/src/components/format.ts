/** Short human forms of numbers, durations and times for tables and charts. */

export function formatNumber(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toFixed(1)} G`;
  if (abs >= 1e6) return `${(value / 1e6).toFixed(1)} M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(1)} k`;
  if (abs >= 100 || Number.isInteger(value)) return String(Math.round(value));
  return value.toFixed(digits).replace(/\.?0+$/, '');
}

export function formatPercent(ratio: number | null | undefined, digits = 1): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '–';
  return `${(ratio * 100).toFixed(digits)} %`;
}

/** Seconds as `850 ms`, `1.2 s`, `3 min`. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** A value in a signal's unit (`ratio`, `seconds`, `bytes`, `req/s`, …). */
export function formatUnit(value: number | null | undefined, unit: string): string {
  switch (unit) {
    case 'ratio':
      return formatPercent(value);
    case 'seconds':
      return formatSeconds(value);
    case 'bytes':
      return value === null || value === undefined ? '–' : `${formatNumber(value / 1048576, 1)} MiB`;
    default:
      return `${formatNumber(value)} ${unit}`.trim();
  }
}

/** `12 s ago`, `5 min ago`, or the date for anything older than a day. */
export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  if (iso === null || iso === undefined) return '–';
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return iso;
  const seconds = Math.max(0, (now - at) / 1000);
  if (seconds < 60) return `${Math.round(seconds)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(at).toISOString().slice(0, 16).replace('T', ' ');
}

export function formatTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return '–';
  const at = typeof iso === 'number' ? iso : Date.parse(iso);
  return Number.isFinite(at) ? new Date(at).toLocaleTimeString() : String(iso);
}

/** An anomaly score (0 = as expected, 1 = far outside) with two decimals. */
export function formatScore(score: number | null | undefined): string {
  return score === null || score === undefined || !Number.isFinite(score) ? '–' : score.toFixed(2);
}

/** A revision hash cut to 10 characters: enough to tell revisions apart in a table or a label. */
export function formatRevision(revision: string): string {
  return revision.slice(0, 10);
}

/** Text cut to at most `max` characters, an ellipsis marking the cut. */
export function formatClipped(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
