/**
 * Synthetic signal streams of injected faults on any service graph: the root's own symptoms, the knock-on
 * symptoms of its callers (later, one detection interval per hop), log events, lifecycle events and the
 * trace-derived graph during and before the fault. Used by the incident and root-cause tests.
 */
import type { AnomalySignal, ChangeSignal, LogSignal, Signal } from '../../incidents/signal.js';
import type { RcaEdge, RcaGraph, RcaNode, RootCauseKind } from '../rca-types.js';

/** A service graph: `[caller, callee]` or `[producer, consumer, 'async']`. */
export interface TopologySpec {
  readonly entry: string;
  readonly edges: readonly (readonly [string, string] | readonly [string, string, 'async'])[];
}

/** The shop's call graph. */
export const SHOP: TopologySpec = {
  entry: 'gateway',
  edges: [
    ['gateway', 'catalog'],
    ['gateway', 'users'],
    ['gateway', 'cart'],
    ['gateway', 'checkout'],
    ['gateway', 'orders'],
    ['cart', 'users'],
    ['cart', 'catalog'],
    ['checkout', 'inventory'],
    ['checkout', 'orders'],
    ['checkout', 'payments'],
    ['checkout', 'cart'],
    ['checkout', 'notifications', 'async'],
    ['orders', 'notifications', 'async'],
  ],
};

/** Another graph with other names and a deeper shape. */
export const LIBRARY: TopologySpec = {
  entry: 'front',
  edges: [
    ['front', 'search'],
    ['front', 'account'],
    ['front', 'basket'],
    ['account', 'profile'],
    ['basket', 'pricing'],
    ['basket', 'stock'],
    ['pricing', 'rates'],
    ['stock', 'warehouse'],
    ['basket', 'audit', 'async'],
  ],
};

/** The faults of the benchmark. */
export type FaultType =
  | 'crash'
  | 'hang'
  | 'latency'
  | 'errors'
  | 'cpu'
  | 'memory-leak'
  | 'db-slow'
  | 'db-failure'
  | 'dependency-unreachable'
  | 'bus-stall'
  | 'provider-slow'
  | 'bad-release'
  | 'bad-config'
  | 'bad-flag'
  | 'traffic-flood';

/** The right answer per fault. */
export const EXPECTED_KIND: Record<FaultType, RootCauseKind> = {
  crash: 'failure',
  hang: 'saturation',
  latency: 'failure',
  errors: 'failure',
  cpu: 'saturation',
  'memory-leak': 'saturation',
  'db-slow': 'dependency',
  'db-failure': 'dependency',
  'dependency-unreachable': 'dependency',
  'bus-stall': 'failure',
  'provider-slow': 'dependency',
  'bad-release': 'change',
  'bad-config': 'change',
  'bad-flag': 'change',
  'traffic-flood': 'traffic',
};

/** One injected fault. */
export interface FaultSpec {
  readonly type: FaultType;
  readonly service: string;
  /** For `dependency-unreachable`: the callee it cannot reach. */
  readonly dependency?: string;
  readonly atMs: number;
}

/** A fault's signals and graphs. */
export interface Scenario {
  /** Symptoms and lifecycle events in time order. */
  readonly signals: Signal[];
  /** Changes (deploys, flags) before the fault. */
  readonly changes: ChangeSignal[];
  readonly graph: RcaGraph;
  readonly baseline: RcaGraph;
  readonly expected: { service: string; kind: RootCauseKind };
}

const STEP = 15_000;

type Family = 'errors' | 'latency' | 'traffic' | 'cpu';

const BASE: Record<Family, { expected: number; high: number; low: number; unit: string; kind: string }> = {
  errors: { expected: 0, high: 0.005, low: 0, unit: 'ratio', kind: 'errors' },
  latency: { expected: 0.05, high: 0.065, low: 0.035, unit: 'seconds', kind: 'latency' },
  traffic: { expected: 10, high: 12, low: 8, unit: 'requests/s', kind: 'traffic' },
  cpu: { expected: 0.2, high: 0.26, low: 0.14, unit: 'cores', kind: 'saturation' },
};

/** The signal name of a family at a service (HTTP at the entry, gRPC inside). */
function signalName(topo: TopologySpec, service: string, family: Family): string {
  if (family === 'cpu') return 'cpu';
  const http = { errors: 'errors', latency: 'latency_p95', traffic: 'traffic' }[family];
  return service === topo.entry ? http : `rpc_${http}`;
}

/** An anomaly episode signal. */
export function anomaly(
  topo: TopologySpec,
  service: string,
  family: Family,
  value: number,
  startsAtMs: number,
  options: { state?: 'firing' | 'resolved'; atMs?: number; score?: number; episode?: number } = {},
): AnomalySignal {
  const b = BASE[family];
  const signal = signalName(topo, service, family);
  const state = options.state ?? 'firing';
  const atMs = options.atMs ?? startsAtMs;
  return {
    type: 'anomaly',
    atMs,
    anomaly: {
      id: `${service}/${signal}@${startsAtMs + (options.episode ?? 0)}`,
      service,
      signal,
      kind: b.kind,
      unit: b.unit,
      state,
      startsAtMs,
      score: options.score ?? 0.92,
      value,
      expected: b.expected,
      expectedLow: b.low,
      expectedHigh: b.high,
      direction: value >= b.expected ? 'above' : 'below',
      ...(state === 'resolved' ? { endsAtMs: atMs } : {}),
    },
  };
}

/** An error burst log event. */
export function errorBurst(service: string, atMs: number, template: string, errors = 40): LogSignal {
  return {
    type: 'log',
    atMs,
    event: {
      kind: 'error-burst',
      service,
      atMs,
      errors,
      baselinePerMinute: 0.5,
      topTemplates: [{ templateId: `t${template.length}`, template, count: errors }],
    },
  };
}

/** A new-template log event. */
export function newTemplate(
  service: string,
  atMs: number,
  template: string,
  level: 'warn' | 'error' = 'error',
): LogSignal {
  return {
    type: 'log',
    atMs,
    event: {
      kind: 'new-template',
      service,
      atMs,
      level,
      templateId: `t-${template}`,
      template,
      example: template,
    },
  };
}

/** A change or lifecycle event. */
export function change(
  atMs: number,
  kind: ChangeSignal['change'],
  service: string | undefined,
  detail: string,
  flag?: string,
): ChangeSignal {
  return {
    type: 'change',
    atMs,
    change: kind,
    detail,
    ...(service === undefined ? {} : { service }),
    ...(flag === undefined ? {} : { flag }),
  };
}

/** Callers of `service` (transitively, synchronous calls) with their distance. */
export function ancestors(topo: TopologySpec, service: string): Map<string, number> {
  const out = new Map<string, number>();
  let frontier = [service];
  for (let depth = 1; frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const s of frontier)
      for (const e of topo.edges)
        if (e[1] === s && e[2] !== 'async' && !out.has(e[0]) && e[0] !== service) {
          out.set(e[0], depth);
          next.push(e[0]);
        }
    frontier = next;
  }
  return out;
}

function callees(topo: TopologySpec, service: string, async = false): string[] {
  return topo.edges.filter((e) => e[0] === service && (async || e[2] !== 'async')).map((e) => e[1]);
}

/** Every service of a topology. */
export function servicesOf(topo: TopologySpec): string[] {
  return [...new Set(topo.edges.flatMap((e) => [e[0], e[1]]))].sort();
}

interface EdgeOverride {
  errors?: number;
  p99Ms?: number;
  calls?: number;
}

function graphOf(
  topo: TopologySpec,
  overrides: Map<string, EdgeOverride>,
  nodeErrors: Map<string, number>,
  peers: [string, string][],
): RcaGraph {
  const edges: RcaEdge[] = [];
  const all: [string, string, boolean][] = [
    ...topo.edges.map((e) => [e[0], e[1], e[2] === 'async'] as [string, string, boolean]),
    ...peers.map(([a, b]) => [a, b, false] as [string, string, boolean]),
  ];
  for (const [parent, child, async] of all) {
    const o = overrides.get(`${parent}>${child}`) ?? {};
    const calls = o.calls ?? 1000;
    edges.push({
      parent,
      child,
      calls,
      errors: o.errors ?? 0,
      p50Ms: 5,
      p99Ms: o.p99Ms ?? 20,
      ratePerSecond: calls / 60,
      ...(async ? { async: true } : {}),
    });
  }
  const peerNames = new Set(peers.map(([, b]) => b));
  const nodes: RcaNode[] = [...new Set(all.flatMap(([a, b]) => [a, b]))].sort().map((service) => ({
    service,
    spans: peerNames.has(service) ? 0 : 2000,
    errors: peerNames.has(service) ? 0 : (nodeErrors.get(service) ?? 0),
  }));
  return { nodes, edges };
}

/** The signals and graphs of `fault` on `topo`. */
export function faultScenario(topo: TopologySpec, fault: FaultSpec): Scenario {
  const t0 = fault.atMs;
  const s = fault.service;
  const signals: Signal[] = [];
  const changes: ChangeSignal[] = [];
  const overrides = new Map<string, EdgeOverride>();
  const nodeErrors = new Map<string, number>();
  const peers: [string, string][] = [];
  const up = ancestors(topo, s);
  const upstream = (family: Family, value: (depth: number) => number, delay = 0) => {
    for (const [caller, depth] of up)
      signals.push(anomaly(topo, caller, family, value(depth), t0 + delay + depth * STEP));
  };
  const callerEdges = (errors: number) => {
    for (const e of topo.edges) if (e[1] === s && e[2] !== 'async') overrides.set(`${e[0]}>${s}`, { errors });
  };
  const downstreamDrop = (delay = STEP) => {
    for (const d of callees(topo, s, true)) signals.push(anomaly(topo, d, 'traffic', 3, t0 + delay));
  };

  switch (fault.type) {
    case 'crash':
      signals.push(
        change(t0, 'replica-exited', s, 'exit code 1'),
        change(t0 + 2000, 'restart', s, 'restarted after exit code 1'),
      );
      signals.push(anomaly(topo, s, 'traffic', 2, t0 + STEP));
      upstream('errors', (d) => 0.4 / d);
      for (const c of up.keys())
        signals.push(errorBurst(c, t0 + STEP, `call to ${s} failed: UNAVAILABLE: connect ECONNREFUSED <*>`));
      callerEdges(500);
      downstreamDrop();
      break;
    case 'hang':
      signals.push(change(t0 + 10_000, 'replica-unready', s, 'readiness probe timed out after 1 s'));
      signals.push(change(t0 + 30_000, 'restart', s, 'liveness probe failed 3 times'));
      upstream('latency', (d) => 2 + d * 0.1);
      upstream('errors', (d) => 0.3 / d, STEP);
      for (const c of up.keys())
        signals.push(errorBurst(c, t0 + 2 * STEP, `call to ${s} failed: DEADLINE_EXCEEDED after <*> ms`));
      callerEdges(300);
      nodeErrors.set(s, 0);
      downstreamDrop(2 * STEP);
      break;
    case 'latency':
      signals.push(anomaly(topo, s, 'latency', 0.8, t0));
      upstream('latency', (d) => 0.8 + 0.05 * d);
      break;
    case 'errors':
      signals.push(anomaly(topo, s, 'errors', 0.3, t0));
      signals.push(errorBurst(s, t0 + 5000, 'request failed: internal error <*>'));
      upstream('errors', (d) => 0.3 / (d + 1));
      callerEdges(300);
      nodeErrors.set(s, 300);
      break;
    case 'cpu':
      signals.push(anomaly(topo, s, 'cpu', 0.98, t0));
      signals.push(anomaly(topo, s, 'latency', 0.4, t0 + STEP));
      upstream('latency', (d) => 0.4 + 0.05 * d, STEP);
      break;
    case 'memory-leak':
      signals.push(anomaly(topo, s, 'cpu', 0.45, t0));
      signals.push(anomaly(topo, s, 'latency', 0.3, t0 + STEP));
      upstream('latency', (d) => 0.3 + 0.05 * d, STEP);
      signals.push(
        change(
          t0 + 4 * STEP,
          'replica-exited',
          s,
          'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
        ),
      );
      signals.push(change(t0 + 4 * STEP + 2000, 'restart', s, 'restarted after exit code 134'));
      break;
    case 'db-slow':
      signals.push(anomaly(topo, s, 'latency', 0.6, t0));
      upstream('latency', (d) => 0.6 + 0.05 * d);
      peers.push([s, 'postgresql']);
      overrides.set(`${s}>postgresql`, { p99Ms: 550 });
      break;
    case 'db-failure':
      signals.push(anomaly(topo, s, 'errors', 0.5, t0));
      signals.push(errorBurst(s, t0 + 5000, 'database query failed: <*>'));
      upstream('errors', (d) => 0.5 / (d + 1));
      callerEdges(400);
      nodeErrors.set(s, 500);
      break;
    case 'dependency-unreachable': {
      const d = fault.dependency!;
      signals.push(anomaly(topo, s, 'errors', 0.35, t0));
      signals.push(errorBurst(s, t0 + 5000, `connect ECONNREFUSED <*>`));
      signals.push(anomaly(topo, d, 'traffic', 4, t0 + STEP));
      upstream('errors', (depth) => 0.35 / (depth + 1));
      callerEdges(300);
      nodeErrors.set(s, 300);
      overrides.set(`${s}>${d}`, { errors: 800, calls: 900 });
      break;
    }
    case 'bus-stall':
      signals.push(anomaly(topo, s, 'latency', 1.5, t0));
      signals.push(newTemplate(s, t0 + 5000, 'publish of <*> timed out waiting for ack', 'warn'));
      upstream('latency', (d) => 1.5 + 0.05 * d);
      for (const d of topo.edges.filter((e) => e[0] === s && e[2] === 'async').map((e) => e[1]))
        signals.push(anomaly(topo, d, 'traffic', 0.5, t0 + 2 * STEP));
      break;
    case 'provider-slow':
      signals.push(anomaly(topo, s, 'latency', 2.5, t0));
      signals.push(errorBurst(s, t0 + 10_000, 'provider timeout after <*> ms'));
      upstream('latency', (d) => 2.5 + 0.05 * d);
      peers.push([s, 'provider-api']);
      overrides.set(`${s}>provider-api`, { p99Ms: 2600 });
      break;
    case 'bad-release':
      changes.push(change(t0 - 120_000, 'rollout-started', s, `${s}@9f2c1 canary 10 %`));
      changes.push(change(t0 - 40_000, 'rollout-promoted', s, `${s}@9f2c1 promoted`));
      signals.push(anomaly(topo, s, 'errors', 0.25, t0));
      signals.push(newTemplate(s, t0 + 3000, 'TypeError: cannot read properties of undefined (reading <*>)'));
      upstream('errors', (d) => 0.25 / (d + 1));
      callerEdges(250);
      nodeErrors.set(s, 250);
      break;
    case 'bad-config':
      changes.push(change(t0 - 30_000, 'config', s, `${s} config TIMEOUT_MS 2000 → 2`));
      signals.push(anomaly(topo, s, 'errors', 0.6, t0));
      signals.push(anomaly(topo, s, 'latency', 0.2, t0));
      upstream('errors', (d) => 0.6 / (d + 1));
      callerEdges(600);
      nodeErrors.set(s, 600);
      break;
    case 'bad-flag':
      changes.push(change(t0 - 20_000, 'flag', undefined, 'off → on (100 %)', 'new-engine'));
      signals.push(anomaly(topo, s, 'errors', 0.45, t0));
      upstream('errors', (d) => 0.45 / (d + 1));
      callerEdges(450);
      nodeErrors.set(s, 450);
      break;
    case 'traffic-flood': {
      signals.push(anomaly(topo, s, 'traffic', 80, t0));
      signals.push(anomaly(topo, s, 'latency', 0.9, t0 + STEP));
      signals.push(anomaly(topo, s, 'cpu', 0.9, t0 + STEP));
      signals.push(anomaly(topo, s, 'errors', 0.08, t0 + 2 * STEP));
      signals.push(newTemplate(s, t0 + 2 * STEP, 'rate limit exceeded for <*>: 429', 'warn'));
      let frontier = [s];
      const seen = new Set(frontier);
      for (let depth = 1; frontier.length > 0; depth++) {
        const next: string[] = [];
        for (const f of frontier)
          for (const c of callees(topo, f, true)) {
            if (seen.has(c)) continue;
            seen.add(c);
            next.push(c);
            signals.push(anomaly(topo, c, 'traffic', 60, t0 + STEP * depth));
            signals.push(anomaly(topo, c, 'cpu', 0.7, t0 + STEP * depth));
            signals.push(anomaly(topo, c, 'latency', 0.5, t0 + STEP * (depth + 1)));
          }
        frontier = next;
      }
      break;
    }
  }
  signals.sort((a, b) => a.atMs - b.atMs);
  return {
    signals,
    changes,
    graph: graphOf(topo, overrides, nodeErrors, peers),
    baseline: graphOf(topo, new Map(), new Map(), peers),
    expected: { service: s, kind: EXPECTED_KIND[fault.type] },
  };
}
