import { InvalidArgumentError } from 'commander';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** A Prometheus-style duration (`90s`, `1h30m`, `2d`) in milliseconds; throws a one-line error otherwise. */
export function parseDurationArgument(text: string): number {
  const parts = /^(?:\d+(?:ms|s|m|h|d|w))+$/.test(text) ? text.match(/\d+(?:ms|s|m|h|d|w)/g) : null;
  if (parts === null) throw new InvalidArgumentError(`"${text}" is not a duration (e.g. 30s, 5m, 1h30m, 2d)`);
  let total = 0;
  for (const part of parts) {
    const [, n, unit] = /^(\d+)(ms|s|m|h|d|w)$/.exec(part)!;
    total += Number(n) * UNIT_MS[unit!]!;
  }
  if (total <= 0) throw new InvalidArgumentError(`"${text}" is not a positive duration`);
  return total;
}

/** An instant: `now`, `now-5m`, unix seconds, or RFC 3339; throws a one-line error otherwise. */
export function parseTimeArgument(text: string, nowMs: number): number {
  if (text === 'now') return nowMs;
  const relative = /^now-(.+)$/.exec(text);
  if (relative) return nowMs - parseDurationArgument(relative[1]!);
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const parsed = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}T/.test(text) && Number.isFinite(parsed)) return parsed;
  throw new InvalidArgumentError(`"${text}" is not a time (now, now-5m, unix seconds or RFC 3339)`);
}
