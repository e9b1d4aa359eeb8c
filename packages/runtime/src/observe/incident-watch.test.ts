import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  ActionOutcome,
  AnomalyEvent,
  DiagnosisReplica,
  RemediationPlatform,
  RemediationStep,
} from '@opsloop/aiops';
import { createManualClock, type ManualClock } from '@opsloop/kit';
import { createTelemetryBackend, type TelemetryBackend } from '@opsloop/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../events.js';
import { parseSpec } from '../spec/load-spec.js';
import {
  circuitCallersOf,
  harmful,
  isContextOnly,
  startIncidentWatch,
  type IncidentWatch,
} from './incident-watch.js';

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
const GRACE_MS = 120_000;

const specOf = (mode: 'auto' | 'suggest', graceSeconds = 120) =>
  parseSpec(`apiVersion: opsloop.dev/v1alpha1
kind: System
metadata: { name: shop }
runtime:
  aiops:
    incidents: { diagnoseAfterSeconds: 5, startupGraceSeconds: ${graceSeconds} }
    remediation: { mode: ${mode} }
services:
  gateway:
    command: [node, g.js]
    replicas: 2
    dependsOn: [orders]
  orders:
    command: [node, o.js]
    replicas: 2
`);

/** A remediation platform that does what it is asked (once `held` resolves, if given) and remembers it. */
function fakePlatform(clock: ManualClock, held?: Promise<void>) {
  const calls: string[] = [];
  const ok =
    (what: string) =>
    async (...args: unknown[]): Promise<ActionOutcome> => {
      calls.push(`${what}(${args.map((a) => JSON.stringify(a)).join(', ')})`);
      await held;
      return { ok: true, detail: `${what} done` };
    };
  const platform: RemediationPlatform = {
    rollback: ok('rollback'),
    restartReplica: ok('restartReplica'),
    restartService: ok('restartService'),
    replaceReplica: ok('replaceReplica'),
    scale: ok('scale'),
    setFlag: ok('setFlag'),
    setRateLimit: ok('setRateLimit'),
    openCircuit: ok('openCircuit'),
    closeCircuit: ok('closeCircuit'),
    failover: ok('failover'),
    serviceState: (service) =>
      Promise.resolve({
        replicas: 2,
        readyReplicas: service === 'orders' ? 1 : 2,
        minReplicas: 1,
        maxReplicas: 4,
        minAvailable: 0,
        ...(service === 'orders'
          ? {
              lastRollout: {
                revision: 'r2',
                previousRevision: 'r1',
                startedAtMs: clock.now() - 30_000,
                promotedAtMs: clock.now() - 20_000,
                state: 'complete' as const,
              },
            }
          : {}),
      }),
  };
  return { platform, calls };
}

const anomaly = (service: string, atMs: number): AnomalyEvent => ({
  id: `${service}/errors@${atMs}`,
  service,
  signal: 'errors',
  kind: 'errors',
  unit: 'ratio',
  labels: { service },
  query: 'q',
  state: 'firing',
  startsAtMs: atMs,
  lastAnomalousAtMs: atMs,
  score: 0.95,
  atMs,
  value: 0.6,
  expected: 0.01,
  expectedLow: 0,
  expectedHigh: 0.02,
  direction: 'above',
  detector: 'opsloop',
});

interface Harness {
  dir: string;
  clock: ManualClock;
  backend: TelemetryBackend;
  watch: IncidentWatch;
  events: RuntimeEvent[];
  steps: RemediationStep[];
  calls: string[];
  restart(): Promise<IncidentWatch>;
}

const harnesses: Harness[] = [];

afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    await h.watch.stop();
    await h.backend.close();
    rmSync(h.dir, { recursive: true, force: true });
  }
});

async function setup(
  mode: 'auto' | 'suggest',
  graceSeconds?: number,
  held?: Promise<void>,
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'opsloop-incident-watch-'));
  const clock = createManualClock(T0);
  const backend = await createTelemetryBackend({ dir: join(dir, 'telemetry'), clock });
  const events: RuntimeEvent[] = [];
  const steps: RemediationStep[] = [];
  const { platform, calls } = fakePlatform(clock, held);
  const spec = specOf(mode, graceSeconds);
  const replicasOf = (service: string): DiagnosisReplica[] => [
    {
      name: `${service}-1`,
      ready: service !== 'orders',
      restarts: service === 'orders' ? 4 : 0,
      startedAtMs: T0,
    },
    { name: `${service}-2`, ready: true, restarts: 0, startedAtMs: T0 },
  ];
  const start = () =>
    startIncidentWatch({
      clock,
      backend,
      spec: () => spec,
      platform,
      replicasOf,
      requestRates: () => ({ gateway: 20, orders: 20 }),
      stateDir: dir,
      report: (event) => events.push(event),
      audit: (step) => steps.push(step),
    });
  const harness: Harness = {
    dir,
    clock,
    backend,
    watch: await start(),
    events,
    steps,
    calls,
    async restart() {
      harness.watch = await start();
      return harness.watch;
    },
  };
  harnesses.push(harness);
  return harness;
}

/** Lets promises and file I/O started by timers finish (a few real milliseconds). */
const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 5));
};

/** Advances the manual clock in one-second steps, settling after each. */
async function advance(h: Harness, ms: number, each?: (nowMs: number) => void): Promise<void> {
  for (let done = 0; done < ms; done += 1000) {
    h.clock.advance(Math.min(1000, ms - done));
    each?.(h.clock.now());
    await settle();
  }
}

/**
 * Advances one second at a time until `done` holds, at most `maxMs` of clock time: async work started by a
 * timer (trace queries, the ranking) may take a while on a busy machine, so no fixed advance is relied on.
 */
async function advanceUntil(h: Harness, done: () => boolean, maxMs: number, each?: (nowMs: number) => void) {
  for (let waited = 0; !done() && waited < maxMs; waited += 1000) await advance(h, 1000, each);
  // A last settle with the clock still, so late async work lands before the assertions.
  for (let i = 0; i < 20 && !done(); i++) await settle();
}

/** Healthy request counters of orders (no 5xx): what the short-window verification reads. */
function healthyOrders(h: Harness) {
  let served = 0;
  return (nowMs: number) => {
    served += 20;
    h.backend.tsdb.append(
      { __name__: 'http_server_request_duration_seconds_count', service: 'orders', status: '200' },
      nowMs,
      served,
    );
  };
}

/** The failure: a rollout of orders, then orders' errors, then the knock-on errors of gateway. */
async function breakOrders(h: Harness) {
  h.watch.event({ type: 'rollout-promoted', service: 'orders', revision: 'r2', from: 'r1' });
  await advance(h, 3000);
  h.watch.anomaly({ kind: 'opened', event: anomaly('orders', h.clock.now()) });
  await advance(h, 2000);
  h.watch.anomaly({ kind: 'opened', event: anomaly('gateway', h.clock.now()) });
}

const list = (h: Harness) =>
  h.watch.api.list({ limit: 100 }) as {
    id: string;
    status: string;
    verified: boolean;
    services: string[];
    root_causes: { service: string; kind: string }[];
    actions: { type: string; result: string }[];
  }[];

describe('harm: what may open an incident and call for an action', () => {
  const latency = (expected: number, value: number) =>
    harmful({ kind: 'latency', direction: 'above', expected, value });
  it('counts errors a point over their usual level, and a latency users notice', () => {
    expect(harmful({ kind: 'errors', direction: 'above', expected: 0.001, value: 0.02 })).toBe(true);
    expect(harmful({ kind: 'errors', direction: 'above', expected: 0.001, value: 0.008 })).toBe(false);
    // Twice the load: a 92 ms p95 at 197 ms is an anomaly, not harm; 800 ms of injected latency is.
    expect(latency(0.092, 0.197)).toBe(false);
    expect(latency(0.02, 0.82)).toBe(true);
    // A slow service getting twice as slow is harm even when it was slow already; 10 % slower is not.
    expect(latency(1.5, 3.1)).toBe(true);
    expect(latency(1.5, 1.8)).toBe(false);
    expect(harmful({ kind: 'latency', direction: 'below', expected: 0.5, value: 0.01 })).toBe(false);
    // An event consumer seconds behind is normal (a retry's back-off); ten seconds more than usual is not.
    const lag = (value: number) =>
      harmful({
        signal: 'consumer_lag',
        kind: 'latency',
        direction: 'above',
        expected: 0.2,
        value,
        unit: 'seconds',
      });
    expect(lag(3)).toBe(false);
    expect(lag(12)).toBe(true);
    // Judged on how bad the episode got, not on the point the detector was surest of (a lag still growing).
    expect(
      harmful({
        signal: 'consumer_lag',
        kind: 'latency',
        direction: 'above',
        expected: 0.2,
        value: 3,
        worst: 40,
        unit: 'seconds',
      }),
    ).toBe(true);
    // CPU is context; a blocked event loop (lag in seconds) is harm.
    expect(
      harmful({ kind: 'saturation', direction: 'above', expected: 0.1, value: 0.9, unit: 'cores' }),
    ).toBe(false);
    expect(
      harmful({ kind: 'saturation', direction: 'above', expected: 0.012, value: 0.111, unit: 'seconds' }),
    ).toBe(false);
    expect(
      harmful({ kind: 'saturation', direction: 'above', expected: 0.012, value: 0.5, unit: 'seconds' }),
    ).toBe(true);
    const mib = 1024 * 1024;
    // A replica grown from 120 MiB to 900 MiB is leaking; one from 120 to 300 MiB (a cache warming) is not.
    expect(
      harmful({
        kind: 'saturation',
        direction: 'above',
        expected: 120 * mib,
        value: 900 * mib,
        unit: 'bytes',
      }),
    ).toBe(true);
    expect(
      harmful({
        kind: 'saturation',
        direction: 'above',
        expected: 120 * mib,
        value: 300 * mib,
        unit: 'bytes',
      }),
    ).toBe(false);
  });

  it('takes SLO burn alerts, mild anomalies and traffic for context; crashes and harm open incidents', () => {
    const alert = (name: string) => ({
      type: 'alert' as const,
      atMs: 0,
      alert: { name, labels: { service: 'checkout' }, state: 'firing' as const },
    });
    const anomaly = (kind: string, value: number) => ({
      type: 'anomaly' as const,
      atMs: 0,
      anomaly: {
        id: 'a',
        service: 'checkout',
        signal: kind,
        kind,
        direction: 'above' as const,
        value,
        expected: 0,
        score: 0.9,
        state: 'firing' as const,
        startsAtMs: 0,
      },
    });
    expect(isContextOnly(alert('SLOErrorBudgetBurn'))).toBe(true);
    expect(isContextOnly(alert('ReplicaCrashed'))).toBe(false);
    expect(isContextOnly(anomaly('errors', 0.2))).toBe(false);
    expect(isContextOnly(anomaly('errors', 0.005))).toBe(true);
    expect(isContextOnly(anomaly('traffic', 50))).toBe(true);
    // A flood the rate limit contains: an incident to know of, no harm to repair.
    const shed = { ...anomaly('throttled', 0.6).anomaly, kind: 'traffic' };
    expect(isContextOnly({ type: 'anomaly', atMs: 0, anomaly: shed })).toBe(false);
    expect(harmful(shed)).toBe(false);
    expect(isContextOnly({ ...anomaly('throttled', 0.02), anomaly: { ...shed, value: 0.02 } })).toBe(true);
  });
});

describe('the incident watch (closed loop, manual clock)', () => {
  it('ignores symptoms during the startup grace', async () => {
    const h = await setup('auto');
    h.watch.anomaly({ kind: 'opened', event: anomaly('orders', h.clock.now()) });
    await advance(h, 10_000);
    expect(list(h)).toEqual([]);
    expect(h.calls).toEqual([]);
  });

  it('opens an incident for a crash the supervisor heals, acts on nothing, resolves once it is ready', async () => {
    const h = await setup('auto');
    await advance(h, GRACE_MS + 1000);
    h.watch.event({
      type: 'replica-exited',
      replica: 'orders-1',
      service: 'orders',
      reason: 'Error',
      code: 1,
      signal: null,
      restartInMs: 1000,
    });
    expect(list(h).map((i) => [i.status, i.services])).toEqual([['open', ['orders']]]);
    await advance(h, 2000);
    h.watch.event({ type: 'replica-ready', replica: 'orders-1', service: 'orders', url: 'http://x' });
    await advanceUntil(h, () => list(h)[0]?.status === 'resolved', 30 * 60_000);
    const [incident] = list(h);
    expect(incident?.status).toBe('resolved');
    expect(incident?.root_causes[0]).toMatchObject({ service: 'orders', kind: 'failure' });
    expect(h.calls).toEqual([]);
  });

  it('opens an incident when a mild episode grows into harm (a stalled consumer’s lag)', async () => {
    const h = await setup('suggest');
    await advance(h, GRACE_MS + 1000);
    const lag: AnomalyEvent = {
      ...anomaly('notifications', h.clock.now()),
      id: `notifications/consumer_lag@${h.clock.now()}`,
      signal: 'consumer_lag',
      kind: 'latency',
      unit: 'seconds',
      value: 3,
      worst: 3,
      expected: 0.05,
      expectedHigh: 0.1,
    };
    h.watch.anomaly({ kind: 'opened', event: lag });
    await advance(h, 5000);
    // Three seconds behind: context, no incident yet.
    expect(list(h)).toEqual([]);
    h.watch.anomaly({ kind: 'updated', event: { ...lag, worst: 25 } });
    await advance(h, 1000);
    expect(list(h).map((i) => [i.status, i.services])).toEqual([['open', ['notifications']]]);
  });

  it('diagnoses a reopened incident again, from its reopening', async () => {
    const h = await setup('suggest');
    await advance(h, GRACE_MS + 1000);
    const diagnoses = () => h.events.filter((e) => e.type === 'incident' && e.phase === 'diagnosed').length;
    const fire = (atMs: number) => {
      const event = anomaly('orders', atMs);
      h.watch.anomaly({ kind: 'opened', event });
      return event;
    };
    const first = fire(h.clock.now());
    await advanceUntil(h, () => diagnoses() > 0, 30_000);
    h.watch.anomaly({ kind: 'resolved', event: { ...first, state: 'resolved', endsAtMs: h.clock.now() } });
    await advanceUntil(h, () => list(h)[0]?.status === 'resolved', 10 * 60_000);
    const before = diagnoses();
    // The same symptom again within the hold time: the incident reopens, and is diagnosed again.
    fire(h.clock.now());
    expect(list(h).map((i) => i.status)).toEqual(['open']);
    await advanceUntil(h, () => diagnoses() > before, 60_000);
    expect(diagnoses()).toBe(before + 1);
  });

  it('keeps the startup grace the spec asks for (runtime.aiops.incidents.startupGraceSeconds)', async () => {
    const h = await setup('suggest', 10);
    h.watch.anomaly({ kind: 'opened', event: anomaly('orders', h.clock.now()) });
    expect(list(h)).toEqual([]);
    await advance(h, 11_000);
    h.watch.anomaly({ kind: 'opened', event: anomaly('orders', h.clock.now()) });
    expect(list(h).map((i) => i.services)).toEqual([['orders']]);
  });

  it('auto: one incident for a failure and its knock-on, diagnosed, one action, verified on recovery', async () => {
    const h = await setup('auto');
    await advance(h, GRACE_MS + 1000);
    await breakOrders(h);
    const incidents = list(h);
    expect(incidents).toHaveLength(1);
    expect([...incidents[0]!.services].sort()).toEqual(['gateway', 'orders']);
    expect(incidents[0]!.root_causes).toEqual([]);
    expect(
      h.events.filter((e) => e.type === 'incident').map((e) => e.type === 'incident' && e.phase),
    ).toEqual(['opened']);

    // The diagnosis comes diagnoseAfterSeconds after the opening; then remediation acts once.
    await advanceUntil(h, () => h.calls.length > 0, 30_000);
    const diagnosed = list(h)[0]!;
    expect(diagnosed.root_causes.length).toBeGreaterThan(0);
    expect(diagnosed.root_causes[0]!.service).toBe('orders');
    expect(h.calls).toHaveLength(1);
    // The rollout just before the errors is the cause: it is undone.
    expect(h.calls[0]).toBe('rollback("orders")');
    expect(h.events.some((e) => e.type === 'incident' && e.phase === 'diagnosed')).toBe(true);

    // The service is healthy again: the short-window check passes twice and the incident is resolved.
    const feed = healthyOrders(h);
    await advanceUntil(h, () => list(h)[0]!.status === 'resolved', 90_000, feed);
    const resolved = list(h)[0]!;
    expect(resolved).toMatchObject({ status: 'resolved', verified: true });
    expect(h.calls).toHaveLength(1);
    expect(h.steps.map((s) => s.phase)).toContain('verified');
    expect(h.events).toContainEqual({
      type: 'incident',
      phase: 'resolved',
      id: resolved.id,
      services: resolved.services,
      summary: 'recovery verified',
    });
  });

  it('a log-only incident is diagnosed but gets no action', async () => {
    const h = await setup('auto');
    await advance(h, GRACE_MS + 1000);
    h.watch.logEvent({
      kind: 'error-burst',
      service: 'orders',
      atMs: h.clock.now(),
      errors: 40,
      baselinePerMinute: 0.5,
      topTemplates: [{ templateId: 't1', template: 'db timeout after <*> ms', count: 40 }],
    });
    expect(list(h)).toHaveLength(1);
    await advanceUntil(
      h,
      () => h.events.some((e) => e.type === 'incident' && e.phase === 'diagnosed'),
      30_000,
    );
    await advance(h, 10_000);
    expect(h.events.some((e) => e.type === 'incident' && e.phase === 'diagnosed')).toBe(true);
    expect(h.calls).toEqual([]);
    expect(h.steps).toEqual([]);
    expect(h.watch.api.proposals()).toEqual([]);
  });

  it('suggest: a proposal waits for approval, approving executes it; stop saves, a new watch restores', async () => {
    const h = await setup('suggest');
    await advance(h, GRACE_MS + 1000);
    await breakOrders(h);
    await advanceUntil(h, () => h.watch.api.proposals().length > 0, 30_000);
    expect(h.calls).toEqual([]);
    const proposals = h.watch.api.proposals() as { id: string; incidentId: string; proposedAt: string }[];
    expect(proposals).toHaveLength(1);
    const [incident] = list(h);
    expect(proposals[0]).toMatchObject({ incidentId: incident!.id, proposedAt: expect.any(String) });

    await expect(h.watch.api.approve('nope', 'alice')).rejects.toMatchObject({
      name: 'ControlRequestError',
      kind: 'not-found',
    });
    await h.watch.api.approve(proposals[0]!.id, 'alice');
    await advanceUntil(h, () => h.calls.length > 0, 5_000);
    expect(h.calls).toHaveLength(1);
    expect(h.watch.api.proposals()).toEqual([]);
    expect(list(h)[0]!.status).toBe('mitigating');

    await h.watch.stop();
    const restored = await h.restart();
    const again = restored.api.list({ limit: 100 }) as { id: string; status: string }[];
    expect(again.map((i) => [i.id, i.status])).toEqual([[incident!.id, 'mitigating']]);
    expect(restored.api.get(incident!.id)).toMatchObject({ id: incident!.id });
  });

  it('suggest: an approval is answered once the action is under way, not when it ends', async () => {
    let release!: () => void;
    const h = await setup(
      'suggest',
      undefined,
      new Promise<void>((resolve) => {
        release = resolve;
      }),
    );
    await advance(h, GRACE_MS + 1000);
    await breakOrders(h);
    await advanceUntil(h, () => h.watch.api.proposals().length > 0, 30_000);
    const [proposal] = h.watch.api.proposals() as { id: string; incidentId: string }[];
    // The platform holds the action (a rolling restart waiting for every replica): the answer does not wait.
    const answer = (await h.watch.api.approve(proposal!.id, 'alice')) as { state: string };
    expect(h.calls).toHaveLength(1);
    expect(answer.state).toBe('executing');
    release();
    await advanceUntil(h, () => list(h)[0]!.status === 'mitigating', 5_000);
    await h.watch.stop();
  });

  it('suggest: rejecting withdraws the proposal; an unknown one is not-found', async () => {
    const h = await setup('suggest');
    await advance(h, GRACE_MS + 1000);
    await breakOrders(h);
    await advanceUntil(h, () => h.watch.api.proposals().length > 0, 30_000);
    const [proposal] = h.watch.api.proposals() as { id: string }[];
    await h.watch.api.reject(proposal!.id, 'alice', 'not now');
    expect(h.watch.api.proposals()).toEqual([]);
    expect(h.calls).toEqual([]);
    // reject() throws at once rather than rejecting (the route awaits it inside try, so both are caught).
    await expect(
      Promise.resolve().then(() => h.watch.api.reject('nope', 'alice', 'x')),
    ).rejects.toMatchObject({ kind: 'not-found' });
  });
});

describe('circuitCallersOf', () => {
  it('maps each optional dependency to the services that can do without it', () => {
    const spec = parseSpec(`apiVersion: opsloop.dev/v1alpha1
kind: System
metadata: { name: s }
services:
  users: { command: [node] }
  catalog: { command: [node] }
  cart: { command: [node], dependsOn: [users, catalog], optionalDependencies: [users] }
  gateway: { command: [node], dependsOn: [users, cart], optionalDependencies: [users] }
`);
    expect(circuitCallersOf(spec)).toEqual({ users: ['cart', 'gateway'] });
  });
});
