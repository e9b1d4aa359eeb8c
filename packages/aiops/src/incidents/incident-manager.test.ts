import { createManualClock, type ManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { localiseRootCauses } from '../rca/localise-root-causes.js';
import {
  LIBRARY,
  SHOP,
  anomaly,
  change,
  errorBurst,
  faultScenario,
  newTemplate,
  type TopologySpec,
} from '../rca/testing/fault-scenarios.js';
import { IncidentSignalError, IncidentSnapshotError, UnknownIncidentError } from './incident-errors.js';
import { incidentJson } from './incident-json.js';
import type { IncidentChange } from './incident.js';
import {
  createIncidentManager,
  type IncidentManager,
  type IncidentManagerOptions,
} from './incident-manager.js';
import type { Signal } from './signal.js';

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
const MIN = 60_000;

function graphOf(topo: TopologySpec) {
  return { edges: topo.edges.map((e) => ({ parent: e[0], child: e[1] })) };
}

function setup(topo: TopologySpec = SHOP, extra: Partial<IncidentManagerOptions> = {}) {
  const clock = createManualClock(T0 - 20 * MIN);
  const notified: IncidentChange[] = [];
  const manager = createIncidentManager({
    clock,
    graph: () => graphOf(topo),
    onChange: (c) => notified.push(...c),
    ...extra,
  });
  return { clock, manager, notified };
}

/** Moves the clock to the signal's time (never back) and ingests it. */
function feed(clock: ManualClock, manager: IncidentManager, signals: readonly Signal[]): IncidentChange[] {
  const out: IncidentChange[] = [];
  for (const s of [...signals].sort((a, b) => a.atMs - b.atMs)) {
    if (s.atMs > clock.now()) clock.advance(s.atMs - clock.now());
    out.push(...manager.ingest(s));
  }
  return out;
}

/** Resolutions of every firing anomaly of `signals` at `atMs`. */
function resolutions(signals: readonly Signal[], atMs: number): Signal[] {
  return signals.flatMap((s) =>
    s.type === 'anomaly' && s.anomaly.state === 'firing'
      ? [{ ...s, atMs, anomaly: { ...s.anomaly, state: 'resolved' as const, endsAtMs: atMs } }]
      : [],
  );
}

/** Fifty-odd symptoms of one crash: the knock-on anomalies re-fire as new episodes, logs repeat. */
function noisyCrash(topo: TopologySpec, service: string, atMs: number): Signal[] {
  const s = faultScenario(topo, { type: 'crash', service, atMs });
  const out: Signal[] = [...s.signals];
  for (let round = 1; out.filter((x) => x.type !== 'change').length < 50; round++) {
    for (const sig of s.signals) {
      if (sig.type === 'anomaly') {
        const at = sig.atMs + round * 20_000;
        out.push({
          ...sig,
          atMs: at,
          anomaly: { ...sig.anomaly, id: `${sig.anomaly.id}#${round}`, startsAtMs: at },
        });
      } else if (sig.type === 'log') out.push({ ...sig, atMs: sig.atMs + round * 20_000 });
    }
  }
  return out;
}

describe('incident correlation', () => {
  it('makes one incident of one fault: fifty symptoms, knock-on anomalies and logs included', () => {
    const { clock, manager } = setup();
    const signals = noisyCrash(SHOP, 'catalog', T0);
    expect(signals.filter((s) => s.type !== 'change').length).toBeGreaterThanOrEqual(50);
    const changes = feed(clock, manager, signals);
    expect(changes.filter((c) => c.type === 'opened')).toHaveLength(1);
    // Opened by the first harm (gateway's errors), with the crashed service's traffic drop seen just before
    // (weak: it waited for an incident to join).
    expect(changes.find((c) => c.type === 'opened')!.incident.services).toEqual(['gateway', 'catalog']);
    const [incident] = manager.list();
    expect(manager.list()).toHaveLength(1);
    expect(incident!.services).toEqual(expect.arrayContaining(['catalog', 'gateway', 'cart']));
    expect(incident!.status).toBe('open');
    expect(incident!.severity).toBe('critical');
    // Dedup: every re-fire of gateway's errors is one symptom and one timeline entry with a count.
    const gateway = incident!.symptoms.find((s) => s.key === 'anomaly:gateway/errors')!;
    expect(gateway.count).toBeGreaterThan(1);
    const entries = incident!.timeline.filter((e) => e.key === 'anomaly:gateway/errors');
    expect(entries).toHaveLength(1);
    expect(entries[0]!.count).toBe(gateway.count);
    // Lifecycle events are context, not symptoms.
    expect(incident!.changes.map((c) => c.change)).toEqual(['replica-exited', 'restart']);
  });

  it('weak symptoms (traffic, log-template rates) never open an incident nor keep one alive', () => {
    const { clock, manager } = setup();
    const traffic = (service: string, atMs: number, state: 'firing' | 'resolved' = 'firing'): Signal => ({
      type: 'anomaly',
      atMs,
      anomaly: {
        id: `${service}/traffic@${T0}`,
        service,
        signal: 'traffic',
        kind: 'traffic',
        state,
        startsAtMs: T0,
        score: 0.9,
        value: 20,
        expected: 10,
        direction: 'above',
      },
    });
    // More users than usual: every service's traffic rises, and nothing opens.
    expect(feed(clock, manager, [traffic('gateway', T0), traffic('cart', T0 + 5_000)])).toEqual([]);
    expect(manager.list()).toHaveLength(0);
    // A harm symptom opens one, and the traffic rise seen just before joins it as context.
    const errors: Signal = {
      type: 'anomaly',
      atMs: T0 + 10_000,
      anomaly: {
        id: `gateway/errors@${T0 + 10_000}`,
        service: 'gateway',
        signal: 'errors',
        kind: 'errors',
        state: 'firing',
        startsAtMs: T0 + 10_000,
        score: 0.95,
        value: 0.2,
        expected: 0,
        direction: 'above',
      },
    };
    feed(clock, manager, [errors]);
    const [incident] = manager.list();
    expect(incident!.symptoms.map((s) => s.key).sort()).toEqual([
      'anomaly:cart/traffic',
      'anomaly:gateway/errors',
      'anomaly:gateway/traffic',
    ]);
    // The harm ends; the traffic stays up (a new level): the incident still resolves after the hold time.
    feed(clock, manager, [
      { ...errors, atMs: T0 + 20_000, anomaly: { ...errors.anomaly, state: 'resolved' } },
    ]);
    feed(clock, manager, [traffic('gateway', T0 + 50_000)]);
    clock.advance(90_000);
    manager.tick();
    expect(manager.get(incident!.id)!.status).toBe('resolved');
    manager.close();
  });

  it('feeds root-cause localisation: the crashed service comes out on top', async () => {
    for (const [topo, service] of [
      [SHOP, 'catalog'],
      [LIBRARY, 'stock'],
    ] as const) {
      const { clock, manager } = setup(topo);
      feed(clock, manager, noisyCrash(topo, service, T0));
      const [incident] = manager.list();
      const { signals, changes } = manager.evidence(incident!.id);
      const graph = faultScenario(topo, { type: 'crash', service, atMs: T0 }).graph;
      const causes = await localiseRootCauses({ signals, changes, graph });
      expect(causes[0]).toMatchObject({ service, kind: 'failure' });
      manager.close();
    }
  });

  it('a deploy alone opens no incident, and is attached to the incident that follows it', () => {
    const { clock, manager } = setup();
    expect(feed(clock, manager, [change(T0 - 2 * MIN, 'deploy', 'checkout', 'checkout@abc')])).toEqual([]);
    expect(manager.list()).toEqual([]);
    const s = faultScenario(SHOP, { type: 'errors', service: 'checkout', atMs: T0 });
    feed(clock, manager, s.signals);
    expect(manager.list()).toHaveLength(1);
    expect(manager.list()[0]!.changes).toMatchObject([{ service: 'checkout', change: 'deploy' }]);
    expect(
      manager.list()[0]!.timeline.some((e) => e.kind === 'change' && /checkout@abc/.test(e.summary)),
    ).toBe(true);
  });

  it('does not attach a change far away in the graph or long before', () => {
    const { clock, manager } = setup(LIBRARY);
    feed(clock, manager, [
      change(T0 - 15 * MIN, 'deploy', 'warehouse', 'too early'),
      change(T0 - MIN, 'deploy', 'rates', 'unrelated'),
    ]);
    feed(clock, manager, faultScenario(LIBRARY, { type: 'latency', service: 'warehouse', atMs: T0 }).signals);
    expect(manager.list()[0]!.changes).toEqual([]);
    // …but a change on one of its services during the incident is attached.
    const [updated] = feed(clock, manager, [change(T0 + 2 * MIN, 'rollback', 'warehouse', 'rolled back')]);
    expect(updated?.incident.changes).toMatchObject([{ change: 'rollback' }]);
  });

  it('two faults far apart in time are two incidents', () => {
    const { clock, manager } = setup();
    const first = faultScenario(SHOP, { type: 'errors', service: 'orders', atMs: T0 });
    feed(clock, manager, first.signals);
    feed(clock, manager, resolutions(first.signals, T0 + 3 * MIN));
    clock.advance(2 * MIN);
    expect(manager.list()[0]!.status).toBe('resolved');
    feed(clock, manager, faultScenario(SHOP, { type: 'cpu', service: 'cart', atMs: T0 + 30 * MIN }).signals);
    expect(manager.list().map((i) => i.status)).toEqual(['open', 'resolved']);
  });

  it('two faults far apart in the graph at the same time are two incidents', () => {
    const { clock, manager } = setup(LIBRARY);
    feed(clock, manager, [
      anomaly(LIBRARY, 'search', 'errors', 0.3, T0),
      anomaly(LIBRARY, 'warehouse', 'latency', 0.9, T0 + 5000),
      anomaly(LIBRARY, 'search', 'latency', 0.5, T0 + 10_000),
      anomaly(LIBRARY, 'stock', 'latency', 0.9, T0 + 15_000),
    ]);
    const list = manager.list();
    expect(list).toHaveLength(2);
    expect(list.map((i) => [...i.services].sort())).toEqual([['stock', 'warehouse'], ['search']]);
  });

  it('merges two incidents that a later symptom links, keeping the older id', () => {
    const { clock, manager } = setup(LIBRARY);
    feed(clock, manager, [anomaly(LIBRARY, 'search', 'errors', 0.3, T0)]);
    feed(clock, manager, [anomaly(LIBRARY, 'stock', 'errors', 0.3, T0 + 5000)]);
    const [newer, older] = manager.list();
    expect(manager.list()).toHaveLength(2);
    // front is one hop from search and two from stock.
    const changes = feed(clock, manager, [anomaly(LIBRARY, 'front', 'errors', 0.2, T0 + 20_000)]);
    expect(changes.find((c) => c.type === 'merged')).toMatchObject({
      mergedId: newer!.id,
      incident: { id: older!.id },
    });
    expect(manager.list()).toHaveLength(1);
    const merged = manager.get(newer!.id)!;
    expect(merged.id).toBe(older!.id);
    expect([...merged.services].sort()).toEqual(['front', 'search', 'stock']);
    expect(merged.mergedFrom).toEqual([newer!.id]);
    expect(
      merged.timeline.some((e) => e.kind === 'status' && e.summary.startsWith(`merged ${newer!.id}`)),
    ).toBe(true);
  });

  it('joins by a shared trace id across the graph', () => {
    const { clock, manager } = setup(LIBRARY, { options: { hops: 0 } });
    feed(clock, manager, [{ ...anomaly(LIBRARY, 'search', 'errors', 0.3, T0), traceIds: ['aa'] }]);
    feed(clock, manager, [{ ...errorBurst('warehouse', T0 + 1000, 'boom'), traceIds: ['bb', 'aa'] }]);
    feed(clock, manager, [errorBurst('rates', T0 + 2000, 'boom')]);
    expect(manager.list().map((i) => [...i.services].sort())).toEqual([['rates'], ['search', 'warehouse']]);
  });

  it('folds the same alert and the same log template into one counted entry each', () => {
    const { clock, manager } = setup();
    const alert = (atMs: number, state: 'firing' | 'resolved' = 'firing'): Signal => ({
      type: 'alert',
      atMs,
      alert: { name: 'ErrorBudgetBurn', labels: { service: 'gateway', severity: 'critical' }, state },
    });
    const signals: Signal[] = [];
    for (let i = 0; i < 5; i++)
      signals.push(
        alert(T0 + i * 10_000),
        newTemplate('gateway', T0 + i * 10_000 + 1, 'upstream <*> failed'),
      );
    feed(clock, manager, signals);
    const [incident] = manager.list();
    expect(incident!.symptoms.map((s) => [s.key, s.count])).toEqual([
      ['alert:ErrorBudgetBurn{service=gateway}', 5],
      ['log:gateway/t-upstream <*> failed', 5],
    ]);
    expect(incident!.timeline.filter((e) => e.kind === 'signal').map((e) => e.count)).toEqual([5, 5]);
    expect(incident!.severity).toBe('critical');
  });

  it('bounds the timeline, folding the oldest symptom entries first', () => {
    const { clock, manager } = setup(SHOP, { options: { maxTimeline: 20 } });
    const signals: Signal[] = [];
    for (let i = 0; i < 100; i++) signals.push(newTemplate('cart', T0 + i * 1000, `template ${i} <*>`));
    feed(clock, manager, signals);
    const [incident] = manager.list();
    expect(incident!.timeline).toHaveLength(20);
    expect(incident!.timeline.at(-1)!.summary).toMatch(/template 99/);
    expect(incident!.symptoms).toHaveLength(100);
  });

  it('rejects bad signals with a clear error', () => {
    const { manager } = setup();
    expect(() => manager.ingest({ type: 'nope' } as never)).toThrow(IncidentSignalError);
    expect(() => manager.ingest({ ...anomaly(SHOP, 'cart', 'errors', 1, T0), atMs: Number.NaN })).toThrow(
      /finite atMs/,
    );
    expect(() => manager.ingest({ type: 'anomaly', atMs: T0, anomaly: {} } as never)).toThrow(
      /anomaly.service/,
    );
    expect(() => manager.markResolved('missing', { verified: true })).toThrow(UnknownIncidentError);
  });
});

describe('incident lifecycle', () => {
  it('resolves after every symptom resolved and the hold time passed (timer on the clock)', () => {
    const { clock, manager, notified } = setup();
    const s = faultScenario(SHOP, { type: 'latency', service: 'inventory', atMs: T0 });
    feed(clock, manager, s.signals);
    const end = T0 + 4 * MIN;
    feed(clock, manager, resolutions(s.signals, end).slice(1));
    clock.advance(2 * MIN);
    expect(manager.list()[0]!.status).toBe('open'); // one anomaly still fires
    feed(clock, manager, resolutions(s.signals, clock.now()).slice(0, 1));
    const lastEnd = clock.now();
    clock.advance(59_000);
    expect(manager.list()[0]!.status).toBe('open');
    clock.advance(1000);
    expect(notified).toMatchObject([{ type: 'resolved' }]);
    const incident = manager.list()[0]!;
    expect(incident.status).toBe('resolved');
    expect(incident.resolvedAtMs).toBe(lastEnd);
    expect(incident.verified).toBe(false);
  });

  it('reopens on a new symptom within the hold time, and opens a new incident after it', () => {
    const { clock, manager } = setup();
    const burst = (atMs: number) => errorBurst('orders', atMs, 'failed <*>');
    feed(clock, manager, [burst(T0)]);
    clock.advance(61_000);
    expect(manager.list()[0]!.status).toBe('resolved');
    const changes = feed(clock, manager, [burst(clock.now() + 30_000)]);
    expect(changes[0]).toMatchObject({ type: 'reopened' });
    expect(manager.list()).toHaveLength(1);
    expect(manager.list()[0]).toMatchObject({ status: 'open', resolvedAtMs: null });
    clock.advance(61_000);
    expect(manager.list()[0]!.status).toBe('resolved');
    clock.advance(5 * MIN);
    feed(clock, manager, [burst(clock.now())]);
    expect(manager.list().map((i) => i.status)).toEqual(['open', 'resolved']);
  });

  it('is not reopened by the tail of an episode it was verified recovered from, unless the episode grows worse', () => {
    const { clock, manager } = setup();
    feed(clock, manager, [anomaly(SHOP, 'catalog', 'errors', 0.08, T0)]);
    const id = manager.list()[0]!.id;
    manager.markResolved(id, { verified: true });
    // The detector's episode goes on for a while after the check saw the service healthy.
    const tail = anomaly(SHOP, 'catalog', 'errors', 0.06, T0, { atMs: T0 + 5_000 });
    expect(feed(clock, manager, [tail])).toEqual([]);
    expect(manager.list()).toHaveLength(1);
    expect(manager.get(id)!.status).toBe('resolved');

    const worse = anomaly(SHOP, 'catalog', 'errors', 0.3, T0, { atMs: T0 + 10_000 });
    expect(feed(clock, manager, [worse])[0]).toMatchObject({ type: 'reopened' });
  });

  it('takes in, when it reopens, the changes made while it was resolved', () => {
    const { clock, manager } = setup();
    const burst = (atMs: number) => errorBurst('catalog', atMs, 'failed <*>');
    feed(clock, manager, [burst(T0)]);
    clock.advance(61_000);
    const deployAt = clock.now() + 5_000;
    feed(clock, manager, [change(deployAt, 'deploy', 'catalog', 'catalog → v2 (bad)')]);
    expect(manager.list()[0]!.changes).toEqual([]);
    feed(clock, manager, [burst(deployAt + 5_000)]);
    const reopened = manager.list()[0]!;
    expect(reopened.status).toBe('open');
    expect(reopened.changes.map((c) => c.detail)).toEqual(['catalog → v2 (bad)']);
  });

  it("gives a reopened incident's diagnosis only what it saw since the reopening, with onsets from there", () => {
    const { clock, manager } = setup();
    feed(clock, manager, [errorBurst('orders', T0, 'failed <*>'), errorBurst('cart', T0 + 1000, 'slow <*>')]);
    clock.advance(61_000);
    const reopenAt = clock.now() + 20_000;
    feed(clock, manager, [errorBurst('orders', reopenAt, 'failed <*>')]);
    const id = manager.list()[0]!.id;
    expect(manager.evidence(id).signals).toHaveLength(2);
    const since = manager.evidence(id, reopenAt).signals;
    expect(since).toHaveLength(1);
    expect(since[0]).toMatchObject({ type: 'log' });
    expect(since.every((s) => s.atMs >= reopenAt)).toBe(true);
  });

  it('does not reopen for another symptom of one of its services: that is a new incident', () => {
    const { clock, manager } = setup();
    feed(clock, manager, [errorBurst('orders', T0, 'failed <*>')]);
    clock.advance(61_000);
    expect(manager.list()[0]!.status).toBe('resolved');
    const at = clock.now() + 10_000;
    const latency: Signal = {
      type: 'anomaly',
      atMs: at,
      anomaly: {
        id: `orders/latency_p95@${at}`,
        service: 'orders',
        signal: 'latency_p95',
        kind: 'latency',
        state: 'firing',
        startsAtMs: at,
        score: 0.9,
        value: 0.8,
        expected: 0.05,
        direction: 'above',
      },
    };
    const changes = feed(clock, manager, [latency]);
    expect(changes.map((c) => c.type)).toEqual(['opened']);
    expect(manager.list().map((i) => i.status)).toEqual(['open', 'resolved']);
  });

  it('goes mitigating → resolved (verified) with actions in the timeline', () => {
    const { clock, manager } = setup();
    feed(clock, manager, faultScenario(SHOP, { type: 'crash', service: 'payments', atMs: T0 }).signals);
    const id = manager.list()[0]!.id;
    clock.advance(MIN);
    const at = new Date(clock.now()).toISOString();
    manager.markMitigating(id, { type: 'restart', target: 'payments' });
    expect(manager.get(id)!.status).toBe('mitigating');
    manager.recordAction(id, {
      type: 'restart',
      target: 'payments',
      result: 'succeeded',
      detail: '2 replicas',
    });
    clock.advance(MIN);
    const [resolved] = manager.markResolved(id, { verified: true, detail: 'error ratio back under 1 %' });
    expect(resolved).toMatchObject({
      type: 'resolved',
      incident: { status: 'resolved', verified: true, resolvedAtMs: clock.now() },
    });
    const json = incidentJson(manager.get(id)!);
    expect(json.actions).toEqual([
      { type: 'restart', target: 'payments', at, result: 'pending' },
      { type: 'restart', target: 'payments', at, result: 'succeeded', detail: '2 replicas' },
    ]);
    expect(json.timeline.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['action', 'verification', 'status']),
    );
  });

  it('stays escalated until its signals resolve, then resolves', () => {
    const { clock, manager } = setup();
    const s = faultScenario(SHOP, { type: 'cpu', service: 'cart', atMs: T0 });
    feed(clock, manager, s.signals);
    const id = manager.list()[0]!.id;
    manager.escalate(id, 'rollback did not help');
    clock.advance(10 * MIN);
    expect(manager.get(id)).toMatchObject({ status: 'escalated', escalationReason: 'rollback did not help' });
    feed(clock, manager, resolutions(s.signals, clock.now()));
    clock.advance(MIN);
    expect(manager.get(id)!.status).toBe('resolved');
  });

  it('keeps root causes and notes; a repeated diagnosis is one entry', async () => {
    const { clock, manager } = setup();
    const s = faultScenario(SHOP, { type: 'db-failure', service: 'users', atMs: T0 });
    feed(clock, manager, [...s.signals, change(T0 - 5 * MIN, 'scale', 'users', 'users 2 → 3 replicas')]);
    const id = manager.list()[0]!.id;
    const { signals, changes } = manager.evidence(id);
    const causes = await localiseRootCauses({ signals, changes, graph: s.graph });
    manager.setRootCauses(id, causes);
    manager.setRootCauses(id, causes);
    manager.note(id, 'looking at the database');
    const json = incidentJson(manager.get(id)!);
    expect(json.root_causes[0]).toMatchObject({ service: 'users', kind: 'dependency' });
    expect(json.root_causes[0]!.evidence.length).toBeGreaterThan(0);
    expect(json.timeline.filter((e) => e.kind === 'diagnosis')).toMatchObject([{ count: 2 }]);
    expect(json.timeline.at(-1)).toMatchObject({ kind: 'note', summary: 'looking at the database' });
  });
});

describe('incident JSON and snapshots', () => {
  it('has the CLI shape', () => {
    const { clock, manager } = setup();
    feed(clock, manager, faultScenario(SHOP, { type: 'errors', service: 'orders', atMs: T0 }).signals);
    const json = incidentJson(manager.list()[0]!);
    expect(Object.keys(json)).toEqual(
      expect.arrayContaining([
        'id',
        'opened_at',
        'resolved_at',
        'status',
        'services',
        'root_causes',
        'actions',
        'timeline',
        'signals',
      ]),
    );
    expect(json.opened_at).toBe(new Date(T0).toISOString());
    expect(json.resolved_at).toBeNull();
    expect(json.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(json.signals[0]).toMatchObject({ key: 'anomaly:orders/rpc_errors', count: 1, active: true });
  });

  it('round-trips through a JSON snapshot and continues the same incidents', () => {
    const { clock, manager } = setup();
    const s = faultScenario(SHOP, { type: 'errors', service: 'orders', atMs: T0 });
    feed(clock, manager, s.signals.slice(0, 3));
    manager.note(manager.list()[0]!.id, 'restart planned');
    const snapshot = JSON.parse(JSON.stringify(manager.snapshot())) as ReturnType<
      IncidentManager['snapshot']
    >;
    manager.close();
    const restored = createIncidentManager({ clock, graph: () => graphOf(SHOP), snapshot });
    expect(restored.list()).toEqual(manager.list());
    feed(clock, restored, s.signals.slice(3));
    feed(clock, manager, s.signals.slice(3));
    const a = restored.list();
    const b = manager.list();
    expect(a).toHaveLength(1);
    expect(a).toEqual(b);
    restored.close();
    expect(() =>
      createIncidentManager({ clock, graph: () => graphOf(SHOP), snapshot: { version: 2 } as never }),
    ).toThrow(IncidentSnapshotError);
  });
});
