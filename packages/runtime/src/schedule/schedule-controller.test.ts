import { createManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { scheduleSpecSchema, type ScheduleSpec } from '../spec/operations-schema.js';
import { createScheduleController, SCHEDULE_TICK_MS } from './schedule-controller.js';

// Monday 5 January 2026, Europe/Berlin is UTC+1 in winter.
const BERLIN = (day: number, hour: number, minute = 0) => Date.UTC(2026, 0, 4 + day, hour - 1, minute);
const MON = 1;
const FRI = 5;
const SAT = 6;

function setup(
  start: number,
  schedule: Partial<ScheduleSpec> | undefined = { uptime: 'Mon-Fri 08:00-19:00 Europe/Berlin' },
) {
  const clock = createManualClock(start);
  const specReplicas: Record<string, number> = { web: 2, api: 3, db: 1 };
  const desired: Record<string, number> = { ...specReplicas };
  const scaled: string[] = [];
  let current = schedule === undefined ? undefined : scheduleSpecSchema.parse(schedule);
  const controller = createScheduleController({
    now: () => clock.now(),
    after: (ms, fn) => clock.after(ms, fn),
    schedule: () => current,
    services: () => Object.keys(specReplicas),
    specReplicas: (service) => specReplicas[service],
    desiredReplicas: (service) => desired[service],
    scale: (service, replicas, reason) => {
      scaled.push(`${service} ${desired[service]}→${replicas} ${reason}`);
      desired[service] = replicas;
      return Promise.resolve();
    },
  });
  return {
    clock,
    controller,
    desired,
    scaled,
    setSchedule: (next: Partial<ScheduleSpec> | undefined) =>
      (current = next === undefined ? undefined : scheduleSpecSchema.parse(next)),
    /** Moves the clock to `at` and checks the schedule (as the tick would). */
    async at(at: number) {
      clock.advance(at - clock.now());
      await controller.tick();
    },
  };
}

describe('createScheduleController', () => {
  it('scales every scheduled service down at 19:00 and restores its replicas at 08:00', async () => {
    const s = setup(BERLIN(MON, 18, 59));
    await s.controller.tick();
    expect(s.scaled).toEqual([]);
    expect(s.controller.status()).toMatchObject({ state: 'up', held: [] });

    await s.at(BERLIN(MON, 19));
    expect(s.scaled).toEqual(['web 2→0 downtime', 'api 3→0 downtime', 'db 1→0 downtime']);
    expect(s.controller.holds('web')).toBe(true);
    expect(s.controller.status()).toMatchObject({
      state: 'down',
      held: ['api', 'db', 'web'],
      nextTransition: new Date(BERLIN(MON + 1, 8)).toISOString(),
    });

    s.scaled.length = 0;
    await s.at(BERLIN(MON + 1, 7, 59));
    expect(s.scaled).toEqual([]);
    await s.at(BERLIN(MON + 1, 8));
    expect(s.scaled).toEqual(['web 0→2 uptime', 'api 0→3 uptime', 'db 0→1 uptime']);
    expect(s.controller.holds('web')).toBe(false);
  });

  it('leaves excluded services alone and scales to downtimeReplicas', async () => {
    const s = setup(BERLIN(MON, 12), {
      uptime: 'Mon-Fri 08:00-19:00 Europe/Berlin',
      downtimeReplicas: 1,
      exclude: ['db'],
    });
    await s.at(BERLIN(MON, 20));
    expect(s.scaled).toEqual(['web 2→1 downtime', 'api 3→1 downtime']);
    expect(s.controller.holds('db')).toBe(false);
    expect(s.desired.db).toBe(1);
  });

  it('scales down at the first tick when started in downtime (a weekend)', async () => {
    const s = setup(BERLIN(SAT, 10));
    await s.controller.tick();
    expect(s.scaled).toEqual(['web 2→0 downtime', 'api 3→0 downtime', 'db 1→0 downtime']);
  });

  it('acts only on changes of window: a manual scale is kept until the next one', async () => {
    const s = setup(BERLIN(FRI, 18));
    await s.controller.tick();
    s.desired.web = 5; // `opsloop scale web 5` during the day
    await s.at(BERLIN(FRI, 19, 30));
    expect(s.scaled).toContain('web 5→0 downtime');
    s.desired.api = 1; // scaled up by hand at night: kept, no tick undoes it
    s.scaled.length = 0;
    await s.at(BERLIN(SAT, 12));
    expect(s.scaled).toEqual([]);
    expect(s.desired.api).toBe(1);
    // Monday morning: what each had when downtime began comes back.
    await s.at(BERLIN(MON + 7, 8, 1));
    expect(s.scaled).toEqual(['web 0→5 uptime', 'api 1→3 uptime', 'db 0→1 uptime']);
  });

  it('runs on its own timer every 30 s', async () => {
    const flush = () => new Promise((resolve) => setImmediate(resolve));
    const s = setup(BERLIN(MON, 18, 59));
    await flush();
    expect(s.clock.pending()).toBe(1);
    s.clock.advance(SCHEDULE_TICK_MS);
    await flush();
    expect(s.scaled).toEqual([]);
    s.clock.advance(SCHEDULE_TICK_MS);
    await flush();
    expect(s.scaled).toContain('web 2→0 downtime');
    s.controller.stop();
    expect(s.clock.pending()).toBe(0);
  });

  it('takes on a new schedule at the next check: never, then always restores', async () => {
    const s = setup(BERLIN(MON, 12), { uptime: 'never' });
    await s.controller.tick();
    expect(s.desired).toEqual({ web: 0, api: 0, db: 0 });
    expect(s.controller.status()?.nextTransition).toBeNull();
    s.setSchedule({ uptime: 'always' });
    await s.controller.tick();
    expect(s.desired).toEqual({ web: 2, api: 3, db: 1 });
  });

  it('in downtime, holds services a new schedule stops excluding and releases those it excludes', async () => {
    const s = setup(BERLIN(SAT, 12), { uptime: 'never', exclude: ['db'] });
    await s.controller.tick();
    s.setSchedule({ uptime: 'never', exclude: ['web'] });
    s.scaled.length = 0;
    await s.controller.tick();
    expect(s.scaled).toEqual(['db 1→0 downtime', 'web 0→2 uptime']);
  });

  it('keeps a held service down when an apply changes its replicas, and restores the new count', async () => {
    const s = setup(BERLIN(SAT, 12));
    await s.controller.tick();
    expect(s.controller.restoreTo('web', 4)).toBe(0);
    expect(s.controller.restoreTo('nope', 4)).toBeUndefined();
    await s.at(BERLIN(MON + 7, 8));
    expect(s.desired.web).toBe(4);
  });

  it('restores everything when the schedule goes away', async () => {
    const s = setup(BERLIN(SAT, 12));
    await s.controller.tick();
    s.setSchedule(undefined);
    await s.controller.tick();
    expect(s.desired).toEqual({ web: 2, api: 3, db: 1 });
    expect(s.controller.status()).toBeUndefined();
  });
});
