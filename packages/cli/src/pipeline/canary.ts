import { setTimeout as sleep } from 'node:timers/promises';
import type { RuntimeState, SmokeCheck } from '@opsloop/runtime';
import { callControlApi } from '../control-client.js';
import { parseRolloutStatus } from '../commands/rollout.js';
import { probe } from './smoke.js';

/** Requests sent while a canary is judged, by outcome. */
export interface TrafficCount {
  sent: number;
  ok: number;
  failed: number;
}

/**
 * Sends the smoke checks' requests round-robin at `perSecond` until stopped: the traffic a canary is judged
 * on. Requests overlap (a slow answer does not slow the rate), at most `perSecond` in flight.
 */
export function startTraffic(
  checks: readonly SmokeCheck[],
  urls: ReadonlyMap<string, string>,
  perSecond: number,
): { stop(): Promise<TrafficCount> } {
  const targets = checks
    .filter((c) => urls.has(c.service))
    .map((c) => ({ url: `${urls.get(c.service)}${c.path}`, method: c.method, status: c.status }));
  const count: TrafficCount = { sent: 0, ok: 0, failed: 0 };
  const inFlight = new Set<Promise<void>>();
  let stopped = targets.length === 0;
  const loop = (async () => {
    let next = 0;
    while (!stopped) {
      if (inFlight.size < perSecond) {
        const target = targets[next++ % targets.length]!;
        count.sent++;
        const sent = probe(target.url, target.method, 5_000).then((answer) => {
          if ('status' in answer && answer.status === target.status) count.ok++;
          else count.failed++;
        });
        inFlight.add(sent);
        void sent.finally(() => inFlight.delete(sent));
      }
      await sleep(1000 / perSecond);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await Promise.all(inFlight);
      return count;
    },
  };
}

/** How one service's canary ended. */
export type CanaryOutcome =
  | { service: string; result: 'promoted'; revision: string }
  | { service: string; result: 'aborted'; revision: string; reason: string }
  | { service: string; result: 'timed-out'; revision: string; reason: string };

/**
 * Follows a service's progressive rollout to `revision` until it is promoted or rolled back. A rollout that
 * pauses (its analysis stayed inconclusive) or outlives `timeoutMs` is aborted here: nobody is there to
 * promote it, and production must not stay half on an unproven release.
 */
export async function followCanary(
  state: RuntimeState,
  service: string,
  revision: string,
  timeoutMs: number,
): Promise<CanaryOutcome> {
  const path = `/v1/services/${encodeURIComponent(service)}/rollout`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = parseRolloutStatus(await callControlApi(state, 'GET', path));
    const outcome = status.lastOutcome;
    if (outcome?.result === 'aborted' && outcome.other === revision)
      return { service, result: 'aborted', revision, reason: outcome.reason ?? 'analysis failed' };
    if (status.revision === revision && status.progress === undefined && status.complete)
      return { service, result: 'promoted', revision };
    if (status.revision !== revision)
      return { service, result: 'aborted', revision, reason: `superseded by revision ${status.revision}` };
    const paused = status.progress?.phase === 'paused';
    if (paused || Date.now() > deadline) {
      const reason = paused
        ? `paused: ${status.progress?.message ?? 'the analysis could not decide'}`
        : `not decided in ${Math.round(timeoutMs / 1000)} s`;
      await callControlApi(state, 'POST', `${path}/abort`, 30_000, {});
      return { service, result: 'timed-out', revision, reason };
    }
    await sleep(1000);
  }
}
