import { isWithinWeeklyWindows, type WeeklyWindows } from '@opsloop/contracts';

const MINUTE_MS = 60_000;
/** Far enough to see every weekly window's start and end (a week and a day, for daylight-saving shifts). */
const HORIZON_MS = 8 * 24 * 60 * MINUTE_MS;
const COARSE_STEP_MS = 15 * MINUTE_MS;

/**
 * The first whole minute after `fromMs` at which being inside the windows changes, or undefined when it
 * never changes within a week (`always`, `never`). Steps a quarter-hour, then minute by minute within the
 * step that changed: a window shorter than 15 minutes between two steps is not seen (status only).
 */
export function nextTransition(windows: WeeklyWindows, fromMs: number): number | undefined {
  const start = Math.floor(fromMs / MINUTE_MS) * MINUTE_MS;
  const inside = (at: number) => isWithinWeeklyWindows(windows, new Date(at));
  const now = inside(fromMs);
  for (let at = start + COARSE_STEP_MS; at <= start + HORIZON_MS; at += COARSE_STEP_MS) {
    if (inside(at) === now) continue;
    for (let minute = at - COARSE_STEP_MS + MINUTE_MS; minute < at; minute += MINUTE_MS)
      if (minute > fromMs && inside(minute) !== now) return minute;
    return at;
  }
  return undefined;
}
