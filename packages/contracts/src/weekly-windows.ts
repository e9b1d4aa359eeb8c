/**
 * Weekly time windows in kube-downscaler's grammar (`Mon-Fri 08:00-19:00 Europe/Berlin`, several joined by
 * commas, or `always` / `never`): when scheduled scaling keeps services up. One grammar for the local
 * runtime, the Kubernetes render (KEDA cron triggers) and the budget forecast, so they cannot disagree.
 */

/** Days as JavaScript's `Date#getDay` numbers them (Sunday 0) and as cron does. */
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

/** One window: the days it covers, and minutes from midnight in its time zone (end exclusive, ≤ 1440). */
export interface WeeklyWindow {
  /** Days of the week (0 = Sunday … 6 = Saturday), in the order written. */
  readonly days: readonly number[];
  readonly startMinute: number;
  readonly endMinute: number;
  /** An IANA time zone (`Europe/Berlin`) or `UTC`. */
  readonly timeZone: string;
}

/** Parsed windows; `always` is one window covering the whole week, `never` none. */
export type WeeklyWindows = readonly WeeklyWindow[];

/** A window text that does not parse; the message says what was expected. */
export class WeeklyWindowError extends Error {
  override readonly name = 'WeeklyWindowError';
}

const WINDOW = /^([A-Za-z]{3})(?:-([A-Za-z]{3}))?\s+(\d{2}):(\d{2})-(\d{2}):(\d{2})\s+(\S+)$/;
const EXPECTED =
  'expected windows such as "Mon-Fri 08:00-19:00 Europe/Berlin" (comma-separated), "always" or "never"';

function dayNumber(text: string): number {
  const index = DAYS.findIndex((day) => day.toLowerCase() === text.toLowerCase());
  if (index < 0) throw new WeeklyWindowError(`"${text}" is not a day: expected one of ${DAYS.join(', ')}`);
  return index;
}

function minuteOf(hours: string, minutes: string, text: string): number {
  const h = Number(hours);
  const m = Number(minutes);
  if (m > 59 || h > 24 || (h === 24 && m !== 0))
    throw new WeeklyWindowError(`"${text}": expected times from 00:00 to 24:00`);
  return h * 60 + m;
}

function checkTimeZone(zone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new WeeklyWindowError(
      `"${zone}" is not a time zone: expected an IANA name such as Europe/Berlin or UTC`,
    );
  }
}

function parseOne(text: string): WeeklyWindow {
  const match = WINDOW.exec(text);
  if (match === null) throw new WeeklyWindowError(`"${text}": ${EXPECTED}`);
  const [, from, to, h1, m1, h2, m2, zone] = match as unknown as [
    string,
    string,
    string | undefined,
    ...string[],
  ];
  const first = dayNumber(from);
  const last = to === undefined ? first : dayNumber(to);
  const days: number[] = [];
  // A range may wrap over the week's end (Fri-Mon), as kube-downscaler's does.
  for (let day = first; ; day = (day + 1) % 7) {
    days.push(day);
    if (day === last) break;
  }
  const startMinute = minuteOf(h1!, m1!, text);
  const endMinute = minuteOf(h2!, m2!, text);
  if (endMinute <= startMinute)
    throw new WeeklyWindowError(
      `"${text}": the end must come after the start on the same day (write an overnight window as two)`,
    );
  checkTimeZone(zone!);
  return { days, startMinute, endMinute, timeZone: zone! };
}

/**
 * Parses weekly windows.
 * @throws WeeklyWindowError with a one-line message naming the part that is wrong.
 */
export function parseWeeklyWindows(text: string): WeeklyWindows {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === 'always')
    return [{ days: [0, 1, 2, 3, 4, 5, 6], startMinute: 0, endMinute: 1440, timeZone: 'UTC' }];
  if (trimmed.toLowerCase() === 'never') return [];
  if (trimmed === '') throw new WeeklyWindowError(EXPECTED);
  return trimmed.split(',').map((part) => parseOne(part.trim()));
}

/** The reason a window text does not parse, or undefined when it does (for schema refinements). */
export function weeklyWindowsProblem(text: string): string | undefined {
  try {
    parseWeeklyWindows(text);
    return undefined;
  } catch (error) {
    if (error instanceof WeeklyWindowError) return error.message;
    throw error;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** The weekday (0 = Sunday) and minute of the day of an instant in a time zone. */
export function localWeekMinute(at: Date, timeZone: string): { day: number; minute: number } {
  const parts = formatterFor(timeZone).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: dayNumber(part('weekday')), minute: Number(part('hour')) * 60 + Number(part('minute')) };
}

/** Whether an instant falls in any of the windows (each read in its own time zone). */
export function isWithinWeeklyWindows(windows: WeeklyWindows, at: Date): boolean {
  return windows.some((window) => {
    const { day, minute } = localWeekMinute(at, window.timeZone);
    return window.days.includes(day) && minute >= window.startMinute && minute < window.endMinute;
  });
}

/**
 * The share of a week (0 to 1) the windows cover, sampled every 15 minutes over the week starting at `from`
 * (time zones and their daylight-saving offsets at that week). A budget multiplies hours by it.
 */
export function weeklyCoverage(windows: WeeklyWindows, from: Date = new Date(Date.UTC(2026, 0, 5))): number {
  const step = 15 * 60_000;
  const samples = (7 * 24 * 60 * 60_000) / step;
  let covered = 0;
  for (let i = 0; i < samples; i++)
    if (isWithinWeeklyWindows(windows, new Date(from.getTime() + i * step))) covered++;
  return covered / samples;
}

/** A KEDA cron trigger's schedule: replicas are held at the trigger's count from `start` until `end`. */
export interface CronWindow {
  readonly timezone: string;
  readonly start: string;
  readonly end: string;
}

const cronDays = (days: readonly number[]) => [...days].join(',');

/**
 * The windows as cron start/end pairs (minute hour * * days), as KEDA's cron scaler takes them. A window
 * ending at 24:00 ends at 00:00 of the next days.
 */
export function toCronWindows(windows: WeeklyWindows): CronWindow[] {
  return windows.map((window) => {
    const start = `${window.startMinute % 60} ${Math.floor(window.startMinute / 60)} * * ${cronDays(window.days)}`;
    const end =
      window.endMinute === 1440
        ? `0 0 * * ${cronDays(window.days.map((day) => (day + 1) % 7))}`
        : `${window.endMinute % 60} ${Math.floor(window.endMinute / 60)} * * ${cronDays(window.days)}`;
    return { timezone: window.timeZone, start, end };
  });
}
