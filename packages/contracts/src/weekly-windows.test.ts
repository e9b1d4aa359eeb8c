import { describe, expect, it } from 'vitest';
import {
  isWithinWeeklyWindows,
  parseWeeklyWindows,
  toCronWindows,
  weeklyCoverage,
  weeklyWindowsProblem,
} from './weekly-windows.js';

describe('weekly windows', () => {
  it('parses kube-downscaler windows, ranges wrapping over the week end included', () => {
    expect(parseWeeklyWindows('Mon-Fri 08:00-19:00 Europe/Berlin')).toEqual([
      { days: [1, 2, 3, 4, 5], startMinute: 480, endMinute: 1140, timeZone: 'Europe/Berlin' },
    ]);
    expect(parseWeeklyWindows('Fri-Mon 10:00-24:00 UTC, Wed 09:30-10:00 UTC').map((w) => w.days)).toEqual([
      [5, 6, 0, 1],
      [3],
    ]);
    expect(parseWeeklyWindows('never')).toEqual([]);
    expect(weeklyCoverage(parseWeeklyWindows('always'))).toBe(1);
  });

  it('says what is wrong in one line', () => {
    expect(weeklyWindowsProblem('Mon-Fry 08:00-19:00 UTC')).toMatch(/"Fry" is not a day/);
    expect(weeklyWindowsProblem('Mon-Fri 19:00-08:00 UTC')).toMatch(/end must come after the start/);
    expect(weeklyWindowsProblem('Mon-Fri 08:00-25:00 UTC')).toMatch(/from 00:00 to 24:00/);
    expect(weeklyWindowsProblem('Mon-Fri 08:00-19:00 Mars/Olympus')).toMatch(/not a time zone/);
    expect(weeklyWindowsProblem('weekdays')).toMatch(/expected windows such as/);
    expect(weeklyWindowsProblem('Mon-Fri 08:00-19:00 UTC')).toBeUndefined();
  });

  it('reads an instant in the window’s own time zone', () => {
    const windows = parseWeeklyWindows('Mon-Fri 08:00-19:00 Europe/Berlin');
    // Monday 2026-01-05: Berlin is UTC+1 in winter.
    expect(isWithinWeeklyWindows(windows, new Date('2026-01-05T06:59:00Z'))).toBe(false);
    expect(isWithinWeeklyWindows(windows, new Date('2026-01-05T07:00:00Z'))).toBe(true);
    expect(isWithinWeeklyWindows(windows, new Date('2026-01-05T17:59:00Z'))).toBe(true);
    expect(isWithinWeeklyWindows(windows, new Date('2026-01-05T18:00:00Z'))).toBe(false);
    // Saturday.
    expect(isWithinWeeklyWindows(windows, new Date('2026-01-10T12:00:00Z'))).toBe(false);
    // Summer time: UTC+2.
    expect(isWithinWeeklyWindows(windows, new Date('2026-07-06T06:00:00Z'))).toBe(true);
  });

  it('measures the share of the week covered', () => {
    expect(weeklyCoverage(parseWeeklyWindows('Mon-Fri 08:00-19:00 Europe/Berlin'))).toBeCloseTo(55 / 168, 5);
    expect(weeklyCoverage(parseWeeklyWindows('Mon 00:00-12:00 UTC, Mon 06:00-18:00 UTC'))).toBeCloseTo(
      18 / 168,
      5,
    );
  });

  it('renders cron start and end for KEDA, a 24:00 end on the next days', () => {
    expect(toCronWindows(parseWeeklyWindows('Mon-Fri 08:30-19:00 Europe/Berlin'))).toEqual([
      { timezone: 'Europe/Berlin', start: '30 8 * * 1,2,3,4,5', end: '0 19 * * 1,2,3,4,5' },
    ]);
    expect(toCronWindows(parseWeeklyWindows('Sat 10:00-24:00 UTC'))).toEqual([
      { timezone: 'UTC', start: '0 10 * * 6', end: '0 0 * * 0' },
    ]);
  });
});
