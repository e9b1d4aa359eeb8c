/**
 * Log levels, from pino's numbers, common names, or words at the start of a plain line: one reading for log
 * mining (@opsloop/aiops) and the dashboard's live tail. Plain code without dependencies, exported on its own
 * path (`@opsloop/contracts/log-level`) so that a browser bundle takes it without the schemas.
 */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'unknown';

const RANK: Record<LogLevel, number> = {
  unknown: 0,
  trace: 1,
  debug: 2,
  info: 3,
  warn: 4,
  error: 5,
  fatal: 6,
};

const NAMES: Record<string, LogLevel> = {
  trace: 'trace',
  debug: 'debug',
  dbg: 'debug',
  info: 'info',
  information: 'info',
  notice: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  err: 'error',
  severe: 'error',
  critical: 'fatal',
  crit: 'fatal',
  fatal: 'fatal',
  emerg: 'fatal',
  alert: 'fatal',
  panic: 'fatal',
};

/**
 * The level of a JSON line's `level` field: pino's numbers (10–60, as a number or a string) or a name;
 * `unknown` otherwise.
 */
export function levelOf(field: unknown): LogLevel {
  if (typeof field === 'number') return Number.isFinite(field) ? levelOfNumber(field) : 'unknown';
  if (typeof field !== 'string') return 'unknown';
  const n = Number(field);
  if (Number.isFinite(n) && field.trim() !== '') return levelOfNumber(n);
  return NAMES[field.trim().toLowerCase()] ?? 'unknown';
}

function levelOfNumber(n: number): LogLevel {
  if (n >= 60) return 'fatal';
  if (n >= 50) return 'error';
  if (n >= 40) return 'warn';
  if (n >= 30) return 'info';
  if (n >= 20) return 'debug';
  return n >= 10 ? 'trace' : 'unknown';
}

/** The level named by one of a plain line's first words (`ERROR`, `[WARN]`, `W/`), or `unknown`. */
export function levelOfPlainLine(line: string): LogLevel {
  for (const raw of line.slice(0, 120).split(/\s+/, 8)) {
    const word = raw.replace(/^[^A-Za-z]+|[^A-Za-z]+$/g, '');
    const level = NAMES[word.toLowerCase()];
    if (level !== undefined) return level;
  }
  return 'unknown';
}

/** Whether `level` is at least `floor`. */
export function atLeast(level: LogLevel, floor: LogLevel): boolean {
  return RANK[level] >= RANK[floor];
}
