import { describe, expect, it } from 'vitest';
import { renderPrometheusText, type MetricFamily } from '@opsloop/telemetry';
import { createReplicaWindow, type ReplicaWindow } from '../metrics/replica-window.js';
import { createAutoscaler, type Decision } from './autoscaler.js';

// A service under a load ramp, simulated in virtual time: replicas are scraped every 5 s (synthetic
// prom-client text through the real parser and windows), the autoscaler decides every 15 s and its decision
// is applied at once; a new replica passes its readiness probe 10 s after it starts.

const SCRAPE_MS = 5_000;
const READY_AFTER_MS = 10_000;
const TARGET_RPS = 20;
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, Infinity];

/**
 * 40 rps for 5 min, then +0.2 rps/s for 10 min (to 160 rps = 8 replicas at 20 rps each), then flat. Any
 * forecaster that is `lead` ahead overshoots by about slope × lead / target replicas when a ramp stops
 * (here 0.2 × 60 / 20 = 0.6); a steeper ramp would overshoot more, by design.
 */
const SLOPE = 0.2;
function load(ms: number): number {
  const s = ms / 1000;
  if (s < 300) return 40;
  if (s < 900) return 40 + SLOPE * (s - 300);
  return 40 + SLOPE * 600;
}

const needed = (ms: number) => Math.ceil(load(ms) / TARGET_RPS);

interface SimReplica {
  id: string;
  startedAt: number;
  window: ReplicaWindow;
  requests: number;
  cpuSeconds: number;
}

function exposition(replica: SimReplica): string {
  // Latency: 80 % of requests in (10, 25] ms, the rest in (25, 50] ms.
  const bucketCounts = BUCKETS.map((le) =>
    le < 0.05 ? (le >= 0.025 ? replica.requests * 0.8 : 0) : replica.requests,
  );
  const families: MetricFamily[] = [
    {
      name: 'process_cpu_seconds_total',
      type: 'counter',
      help: 'Total user and system CPU time spent in seconds.',
      samples: [{ name: 'process_cpu_seconds_total', labels: {}, value: replica.cpuSeconds }],
    },
    {
      name: 'process_start_time_seconds',
      type: 'gauge',
      help: 'Start time of the process since unix epoch in seconds.',
      samples: [
        { name: 'process_start_time_seconds', labels: {}, value: Math.floor(replica.startedAt / 1000) },
      ],
    },
    {
      name: 'http_server_request_duration_seconds',
      type: 'histogram',
      help: 'Duration of HTTP requests served.',
      samples: [
        ...BUCKETS.map((le, i) => ({
          name: 'http_server_request_duration_seconds_bucket',
          labels: { le: le === Infinity ? '+Inf' : String(le), route: '/items' },
          value: bucketCounts[i]!,
        })),
        {
          name: 'http_server_request_duration_seconds_sum',
          labels: { route: '/items' },
          value: replica.requests * 0.04,
        },
        {
          name: 'http_server_request_duration_seconds_count',
          labels: { route: '/items' },
          value: replica.requests,
        },
      ],
    },
  ];
  return renderPrometheusText(families);
}

interface Run {
  decisions: Decision[];
  /** [time ms, replicas] after each decision. */
  timeline: [number, number][];
}

function simulate(mode: 'reactive' | 'predictive', noise = 0, seedValue = 42, untilMs = 1_500_000): Run {
  let now = 0;
  let seed = seedValue;
  // A deterministic pseudo-random factor in [1 - noise, 1 + noise] (Park–Miller).
  const jitter = () => {
    seed = (seed * 48271) % 2147483647;
    return 1 + noise * (2 * (seed / 2147483647) - 1);
  };
  const autoscaler = createAutoscaler({
    service: 'catalog',
    clock: { now: () => now },
    spec: {
      minReplicas: 2,
      maxReplicas: 30,
      metrics: [{ type: 'rps', targetPerReplica: TARGET_RPS }],
      mode,
      leadSeconds: 60,
    },
  });
  let seq = 0;
  const start = (): SimReplica => ({
    id: `catalog-${seq++}`,
    startedAt: now,
    window: createReplicaWindow(),
    requests: 0,
    cpuSeconds: 0,
  });
  const replicas: SimReplica[] = [start(), start()];
  const ready = (r: SimReplica) => now - r.startedAt >= READY_AFTER_MS;
  replicas.forEach((r) => (r.startedAt = -READY_AFTER_MS));
  const run: Run = { decisions: [], timeline: [] };

  for (now = SCRAPE_MS; now <= untilMs; now += SCRAPE_MS) {
    // Traffic of the last interval, split evenly over the replicas that were ready (midpoint rule: exact for
    // a piecewise-linear load whose breakpoints fall on scrape times).
    const serving = replicas.filter(ready);
    const served = load(now - SCRAPE_MS / 2) * (SCRAPE_MS / 1000) * jitter();
    for (const replica of serving) {
      replica.requests += served / serving.length;
      replica.cpuSeconds += (served / serving.length) * 0.004;
    }
    for (const replica of replicas) replica.window.addScrape(now, exposition(replica));

    if (now % autoscaler.periodMs === 0) {
      const decision = autoscaler.decide({
        replicas: replicas.map((r) => ({ id: r.id, ready: ready(r), window: r.window })),
      });
      run.decisions.push(decision);
      while (replicas.length < decision.desired) replicas.push(start());
      while (replicas.length > decision.desired) replicas.pop();
      run.timeline.push([now, replicas.length]);
    }
  }
  return run;
}

/** First time (ms) at which the service had at least `count` replicas. */
function firstReaching(run: Run, count: number): number {
  const hit = run.timeline.find(([, n]) => n >= count);
  if (hit === undefined) throw new Error(`never reached ${count} replicas`);
  return hit[0];
}

/** Replica-periods spent below (or above) what the load needed. */
const shortfall = (run: Run) => run.timeline.reduce((sum, [t, n]) => sum + Math.max(0, needed(t) - n), 0);

describe('predictive vs reactive autoscaling on a load ramp', () => {
  const peak = needed(900_000);

  it('on a clean ramp, predictive reaches the peak count 90 s before reactive and never overshoots', () => {
    const reactive = simulate('reactive');
    const predictive = simulate('predictive');
    expect(peak).toBe(8);
    const ahead = firstReaching(reactive, peak) - firstReaching(predictive, peak);
    expect(ahead).toBeGreaterThan(0);
    expect(ahead).toBe(90_000);
    expect(shortfall(predictive)).toBeLessThan(shortfall(reactive));
    expect(Math.max(...predictive.timeline.map(([, n]) => n))).toBe(peak);
    expect(predictive.timeline.at(-1)![1]).toBe(peak);
    expect(reactive.timeline.at(-1)![1]).toBe(peak);
  });

  it.each([1, 7, 42, 99])(
    'with ±5 %% noise (seed %i), predictive is still ahead, overshoots at most one replica, and is never short for long',
    (seed) => {
      const reactive = simulate('reactive', 0.05, seed);
      const predictive = simulate('predictive', 0.05, seed);
      expect(firstReaching(reactive, peak) - firstReaching(predictive, peak)).toBeGreaterThan(0);
      expect(Math.max(...predictive.timeline.map(([, n]) => n))).toBeLessThanOrEqual(peak + 1);
      expect(shortfall(predictive)).toBeLessThan(shortfall(reactive) / 4);
      // Once the ramp has stopped, the stabilization window lets the extra replica go (or tolerance keeps it).
      expect(predictive.timeline.at(-1)![1]).toBeGreaterThanOrEqual(peak);
      expect(predictive.timeline.at(-1)![1]).toBeLessThanOrEqual(peak + 1);
    },
  );

  it('records the forecast in every predictive decision once warmed up, and never proposes below reactive', () => {
    const predictive = simulate('predictive', 0.05, 42, 1_000_000);
    const warm = predictive.decisions.filter((d) => d.at >= 60_000);
    expect(warm.length).toBeGreaterThan(0);
    for (const decision of warm) {
      expect(decision.mode).toBe('predictive');
      expect(decision.forecast).toBeDefined();
      expect(decision.forecast!.model).toBe('holt');
      expect(decision.forecast!.rps).toBeGreaterThanOrEqual(0);
      const reactive = decision.proposals.find((p) => p.source === 'rps');
      if (decision.recommendation !== null && reactive) {
        expect(decision.recommendation).toBeGreaterThanOrEqual(reactive.replicas);
      }
    }
  });
});
