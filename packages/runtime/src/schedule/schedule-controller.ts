import {
  isWithinWeeklyWindows,
  parseWeeklyWindows,
  type ScheduleStatus,
  type WeeklyWindows,
} from '@opsloop/contracts';
import type { ScheduleSpec } from '../spec/operations-schema.js';
import { nextTransition } from './next-transition.js';

/** How often the schedule is checked against the clock. */
export const SCHEDULE_TICK_MS = 30_000;

/** Why the schedule scaled a service: it entered downtime, or uptime restored it. */
export type ScheduledScaleReason = 'downtime' | 'uptime';

/** Options of {@link createScheduleController}. */
export interface ScheduleControllerOptions {
  now(): number;
  /** Runs `fn` after `ms` (a timer that never keeps the process alive); a fake one in tests. */
  after(ms: number, fn: () => void): { cancel(): void };
  /** The schedule now (the spec changes with `apply`); undefined when there is none. */
  schedule(): ScheduleSpec | undefined;
  /** The services of the spec now. */
  services(): readonly string[];
  /** The replicas the spec gives a service (restored when nothing was remembered). */
  specReplicas(service: string): number | undefined;
  /** A service's desired replicas now (after any manual or automatic scaling). */
  desiredReplicas(service: string): number | undefined;
  /** Scales a service (the runtime's scale, which reports the change). */
  scale(service: string, replicas: number, reason: ScheduledScaleReason): Promise<void>;
  onError?(service: string, message: string): void;
  intervalMs?: number;
}

/** The running schedule. */
export interface ScheduleController {
  /** Checks the clock against the schedule and acts on a change of window; also after `apply`. */
  tick(): Promise<void>;
  /** Whether the schedule holds the service down now (its autoscaler and remediation leave it alone). */
  holds(service: string): boolean;
  /**
   * An apply gives a held service `replicas`: they are what uptime restores. Returns the count it keeps
   * meanwhile, or undefined when the schedule does not hold the service.
   */
  restoreTo(service: string, replicas: number): number | undefined;
  /** The schedule's state for `GET /v1/status`; undefined without a schedule. */
  status(): ScheduleStatus | undefined;
  stop(): void;
}

/**
 * Scheduled scaling as kube-downscaler does it: only a change of window acts. Entering downtime, each
 * scheduled service's desired replicas are remembered and it is scaled to `downtimeReplicas` (held: its
 * autoscaler and remediation leave it there); entering uptime, the remembered count (else the spec's) comes
 * back. A manual scale in between is kept until the next change. A runtime started in downtime scales down at
 * its first tick.
 */
export function createScheduleController(options: ScheduleControllerOptions): ScheduleController {
  const intervalMs = options.intervalMs ?? SCHEDULE_TICK_MS;
  /** Held services and the replicas they had when downtime began. */
  const held = new Map<string, number | undefined>();
  let phase: 'up' | 'down' | undefined;
  let parsed: { text: string; windows: WeeklyWindows } | undefined;
  let next: { text: string; fromMs: number; atMs: number | undefined } | undefined;
  let timer: { cancel(): void } | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const windowsOf = (text: string): WeeklyWindows => {
    if (parsed?.text !== text) parsed = { text, windows: parseWeeklyWindows(text) };
    return parsed.windows;
  };

  const scheduled = (schedule: ScheduleSpec): string[] =>
    options.services().filter((service) => !schedule.exclude.includes(service));

  const scale = async (service: string, replicas: number, reason: ScheduledScaleReason) => {
    try {
      await options.scale(service, replicas, reason);
    } catch (error) {
      options.onError?.(service, error instanceof Error ? error.message : String(error));
    }
  };

  const holdDown = async (service: string, schedule: ScheduleSpec) => {
    const desired = options.desiredReplicas(service);
    held.set(service, desired);
    if (desired !== schedule.downtimeReplicas) await scale(service, schedule.downtimeReplicas, 'downtime');
  };

  const release = async (service: string) => {
    const remembered = held.get(service);
    held.delete(service);
    if (!options.services().includes(service)) return;
    const replicas = remembered ?? options.specReplicas(service);
    if (replicas !== undefined && replicas !== options.desiredReplicas(service))
      await scale(service, replicas, 'uptime');
  };

  async function evaluate(): Promise<void> {
    const schedule = options.schedule();
    const up =
      schedule === undefined || isWithinWeeklyWindows(windowsOf(schedule.uptime), new Date(options.now()));
    if (up) {
      if (phase !== 'up') for (const service of [...held.keys()]) await release(service);
      phase = schedule === undefined ? undefined : 'up';
      return;
    }
    const members = scheduled(schedule);
    if (phase !== 'down') {
      phase = 'down';
      for (const service of members) await holdDown(service, schedule);
      return;
    }
    // Still in downtime after an apply: services it added or stopped excluding go down, the others come back.
    for (const service of members) if (!held.has(service)) await holdDown(service, schedule);
    for (const service of [...held.keys()]) if (!members.includes(service)) await release(service);
  }

  const tick = (): Promise<void> => {
    // One evaluation at a time: a tick and an apply's check must not both remember or restore a service.
    running = running.then(evaluate, evaluate);
    return running;
  };

  const loop = () => {
    if (stopped) return;
    timer = options.after(intervalMs, () => void tick().finally(loop));
  };
  void tick().finally(loop);

  return {
    tick,
    holds: (service) => held.has(service),
    restoreTo(service, replicas) {
      if (!held.has(service)) return undefined;
      held.set(service, replicas);
      return options.desiredReplicas(service);
    },
    status() {
      const schedule = options.schedule();
      if (schedule === undefined) return undefined;
      const nowMs = options.now();
      // Looked up once per change of window (or of the schedule), not per status call.
      if (
        next?.text !== schedule.uptime ||
        (next.atMs !== undefined && nowMs >= next.atMs) ||
        nowMs < next.fromMs
      )
        next = {
          text: schedule.uptime,
          fromMs: nowMs,
          atMs: nextTransition(windowsOf(schedule.uptime), nowMs),
        };
      return {
        uptime: schedule.uptime,
        state: phase ?? 'up',
        downtimeReplicas: schedule.downtimeReplicas,
        held: [...held.keys()].sort(),
        nextTransition: next.atMs === undefined ? null : new Date(next.atMs).toISOString(),
      };
    },
    stop() {
      stopped = true;
      timer?.cancel();
    },
  };
}
