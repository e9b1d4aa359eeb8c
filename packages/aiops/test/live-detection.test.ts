import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock, type ManualClock } from '@opsloop/kit';
import {
  MemoryQuerier,
  createEmbeddedMetricsSource,
  createPromqlEngine,
  type PostableAlert,
} from '@opsloop/telemetry';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createLiveDetection,
  createLiveStateFile,
  goldenLiveSignals,
  logTemplateRateSignal,
  windowedGaussianDetector,
  type AnomalyEvent,
  type LiveDetection,
  type LiveDetectionOptions,
} from '../src/index.js';
import { createSeededRandom } from '@opsloop/kit';
import { ServiceScrapes, type ServiceLoad } from './shop-metrics-fixture.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5);
const SCRAPE_MS = 5_000;
const STEP_MS = 15_000;
const START = T0 + 120 * MIN;
/** When the orders service's latency goes up tenfold, and for how long. */
const FAULT_AT = START + 45 * MIN;
const FAULT_MS = 5 * MIN;
const END = FAULT_AT + FAULT_MS + 25 * MIN;

const NORMAL: Record<string, ServiceLoad> = {
  orders: { rps: 12, latency: 0.03, errorRatio: 0.002, cpu: 0.2 },
  catalog: { rps: 40, latency: 0.008, errorRatio: 0, cpu: 0.1 },
};

/** What goes wrong, where, from FAULT_AT for FAULT_MS. */
interface Fault {
  service: string;
  change: (normal: ServiceLoad) => ServiceLoad;
}

const LATENCY_FAULT: Fault = {
  service: 'orders',
  change: (n) => ({ ...n, latency: n.latency * 10, cpu: n.cpu * 1.1 }),
};

function loadAt(service: string, atMs: number, fault: Fault): ServiceLoad {
  const normal = NORMAL[service]!;
  if (service === fault.service && atMs > FAULT_AT && atMs <= FAULT_AT + FAULT_MS)
    return fault.change(normal);
  return normal;
}

/** A fleet of two services scraped into a real store, with the PromQL engine over it. */
function world(fault: Fault = LATENCY_FAULT) {
  const store = new MemoryQuerier();
  const clock = createManualClock(START);
  const engine = createPromqlEngine({ querier: store, now: () => clock.now() });
  const source = createEmbeddedMetricsSource({ engine, querier: store });
  const services = Object.keys(NORMAL).map((name, i) => new ServiceScrapes(store, name, 7 + i));
  let scrapedTo = T0;
  const scrapeUntil = (atMs: number) => {
    for (let t = scrapedTo + SCRAPE_MS; t <= atMs; t += SCRAPE_MS) {
      for (const s of services) s.scrape(t, SCRAPE_MS, loadAt(s.service, t, fault));
      scrapedTo = t;
    }
  };
  scrapeUntil(START);
  return { clock, source, scrapeUntil };
}

/** Moves time forward step by step, scraping and letting the detection evaluate at each step. */
async function runUntil(
  clock: ManualClock,
  scrapeUntil: (atMs: number) => void,
  detection: LiveDetection,
  endMs: number,
) {
  while (clock.now() < endMs) {
    scrapeUntil(clock.now() + STEP_MS);
    clock.advance(STEP_MS);
    await detection.tick();
  }
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function options(
  w: ReturnType<typeof world>,
  extra: Partial<LiveDetectionOptions> = {},
): LiveDetectionOptions {
  return { source: w.source, clock: w.clock, signals: goldenLiveSignals(), intervalMs: STEP_MS, ...extra };
}

describe('live detection on the golden signals (real PromQL engine, synthetic scrapes)', () => {
  it('raises one latency anomaly for the faulty service, with its expected value, then resolves it', async () => {
    const w = world();
    const alerts: PostableAlert[][] = [];
    const opened: AnomalyEvent[] = [];
    const detection = createLiveDetection(
      options(w, {
        onAlerts: (a) => alerts.push([...a]),
        onEvent: (change) => {
          if (change.kind === 'opened') opened.push(change.event);
        },
      }),
    );
    await detection.start();
    // Replayed history: every service's five signals are watched and already past their warm-up.
    const series = detection.series();
    expect(series.map((s) => `${s.service}/${s.signal}`)).toEqual([
      'catalog/cpu',
      'catalog/errors',
      'catalog/latency_p95',
      'catalog/throttled',
      'catalog/traffic',
      'orders/cpu',
      'orders/errors',
      'orders/latency_p95',
      'orders/throttled',
      'orders/traffic',
    ]);
    expect(series.every((s) => s.points >= 200 && !s.warmingUp)).toBe(true);

    await runUntil(w.clock, w.scrapeUntil, detection, END);
    await detection.stop();

    const latency = opened.filter((e) => e.service === 'orders' && e.signal === 'latency_p95');
    expect(latency).toHaveLength(1);
    const first = latency[0]!;
    expect(first.startsAtMs).toBeGreaterThan(FAULT_AT);
    expect(first.startsAtMs).toBeLessThanOrEqual(FAULT_AT + 2 * MIN);
    expect(first.direction).toBe('above');
    expect(first.value).toBeGreaterThan(first.expectedHigh);
    expect(first.expected).toBeLessThan(0.1);
    expect(first.score).toBeGreaterThanOrEqual(0.84);
    // No anomaly anywhere before the fault, none at all on the healthy service.
    expect(opened.filter((e) => e.startsAtMs <= FAULT_AT)).toEqual([]);
    expect(opened.filter((e) => e.service === 'catalog')).toEqual([]);

    const events = detection.events({ service: 'orders' });
    const last = events.find((e) => e.id === first.id)!;
    expect(last.state).toBe('resolved');
    // One episode for the whole fault, over within minutes of its end.
    expect(last.endsAtMs).toBeGreaterThan(FAULT_AT + FAULT_MS);
    expect(last.endsAtMs).toBeLessThanOrEqual(FAULT_AT + FAULT_MS + 5 * MIN);
    expect(last.score).toBeGreaterThanOrEqual(first.score);
    expect(last.expected).toBe(first.expected);
    expect(detection.events({ service: 'catalog' })).toEqual([]);

    const alert = alerts.flat().find((a) => a.labels['signal'] === 'latency_p95');
    expect(alert?.labels).toMatchObject({ alertname: 'MetricAnomaly', service: 'orders' });
    expect(alert?.annotations['description']).toMatch(/expected/);
    const resolved = alerts
      .flat()
      .filter((a) => a.annotations['anomaly_id'] === first.id)
      .at(-1)!;
    expect(resolved.endsAtMs).toBeLessThanOrEqual(END);
  });

  it.each([
    {
      what: 'a burst of 5xx',
      fault: { service: 'catalog', change: (n: ServiceLoad) => ({ ...n, errorRatio: 0.2 }) },
      signal: 'errors',
      direction: 'above',
    },
    {
      what: 'traffic falling away',
      fault: { service: 'catalog', change: (n: ServiceLoad) => ({ ...n, rps: n.rps * 0.1 }) },
      signal: 'traffic',
      direction: 'below',
    },
  ])('catches $what on the right series within two minutes', async ({ fault, signal, direction }) => {
    const w = world(fault);
    const detection = createLiveDetection(options(w));
    await detection.start();
    await runUntil(w.clock, w.scrapeUntil, detection, FAULT_AT + 10 * MIN);
    await detection.stop();
    const events = detection.events();
    const hit = events.find((e) => e.service === fault.service && e.signal === signal);
    expect(hit, JSON.stringify(events)).toBeDefined();
    expect(hit!.direction).toBe(direction);
    expect(hit!.startsAtMs).toBeGreaterThan(FAULT_AT);
    expect(hit!.startsAtMs).toBeLessThanOrEqual(FAULT_AT + 2 * MIN);
    expect(events.filter((e) => e.startsAtMs <= FAULT_AT)).toEqual([]);
  });

  it('continues with identical scores and events after a stop and a restore from its file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsloop-live-'));
    dirs.push(dir);
    const file = join(dir, 'live.json.gz');

    const a = world();
    const uninterrupted = createLiveDetection(options(a));
    await uninterrupted.start();
    await runUntil(a.clock, a.scrapeUntil, uninterrupted, END);

    const b = world();
    const first = createLiveDetection(options(b, { store: createLiveStateFile(file) }));
    await first.start();
    await runUntil(b.clock, b.scrapeUntil, first, FAULT_AT + 2 * MIN);
    await first.stop();
    const second = createLiveDetection(options(b, { store: createLiveStateFile(file) }));
    await second.start();
    await runUntil(b.clock, b.scrapeUntil, second, END);

    expect(second.series()).toEqual(uninterrupted.series());
    expect(second.events()).toEqual(uninterrupted.events());
    expect(second.events().length).toBeGreaterThan(0);
  });

  it('replays the history missed while stopped, without reporting it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsloop-live-'));
    dirs.push(dir);
    const file = join(dir, 'live.json.gz');
    const w = world();
    const first = createLiveDetection(options(w, { store: createLiveStateFile(file) }));
    await first.start();
    await runUntil(w.clock, w.scrapeUntil, first, START + 10 * MIN);
    await first.stop();
    const before = first.series().find((s) => s.service === 'orders' && s.signal === 'traffic')!;

    // Down for 20 minutes, while the store kept scraping.
    w.scrapeUntil(START + 30 * MIN);
    w.clock.advance(20 * MIN);
    const second = createLiveDetection(options(w, { store: createLiveStateFile(file) }));
    await second.start();
    const after = second.series().find((s) => s.service === 'orders' && s.signal === 'traffic')!;
    expect(after.points - before.points).toBe(20 * 4);
    expect(after.lastAtMs).toBe(START + 30 * MIN);
    await second.stop();
  });

  it('starts learning again, with one warning, when the saved states are of another detector', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsloop-live-'));
    dirs.push(dir);
    const file = join(dir, 'live.json.gz');
    const w = world();
    const first = createLiveDetection(
      options(w, { store: createLiveStateFile(file), detector: windowedGaussianDetector }),
    );
    await first.start();
    await runUntil(w.clock, w.scrapeUntil, first, START + 2 * MIN);
    await first.stop();
    const errors: string[] = [];
    const second = createLiveDetection(
      options(w, { store: createLiveStateFile(file), onError: (m) => errors.push(m) }),
    );
    await second.start();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^restore: 10 series start learning again \(.*windowed-gaussian/);
    // Relearnt from the replayed hour of history.
    expect(second.series().every((s) => s.points > 200)).toBe(true);
    await second.stop();
  });

  it('reports a failing query once, and goes on with the other signals', async () => {
    const w = world();
    const errors: string[] = [];
    const signals = [
      ...goldenLiveSignals(['traffic']),
      { name: 'broken', kind: 'traffic', unit: 'requests/s', title: 'Broken', query: 'rate(' },
    ];
    const detection = createLiveDetection(options(w, { signals, onError: (m) => errors.push(m) }));
    await detection.start();
    await runUntil(w.clock, w.scrapeUntil, detection, START + 2 * MIN);
    await detection.stop();
    expect(errors.filter((e) => e.startsWith('query broken'))).toHaveLength(1);
    expect(detection.series().map((s) => s.signal)).toEqual(['traffic', 'traffic']);
  });

  it('watches every log template of every service as its own series', async () => {
    const store = new MemoryQuerier();
    const clock = createManualClock(START);
    const engine = createPromqlEngine({ querier: store, now: () => clock.now() });
    const source = createEmbeddedMetricsSource({ engine, querier: store });
    const random = createSeededRandom(11);
    const counts = { a: 0, b: 0 };
    let scrapedTo = T0;
    const scrapeUntil = (atMs: number) => {
      for (let t = scrapedTo + SCRAPE_MS; t <= atMs; t += SCRAPE_MS) {
        // Template a: ~4 lines/s; template b: ~1 line/s, ten times that during the fault.
        counts.a += Math.round(20 * (0.8 + 0.4 * random()));
        const faulty = t > FAULT_AT && t <= FAULT_AT + FAULT_MS;
        counts.b += Math.round((faulty ? 50 : 5) * (0.8 + 0.4 * random()));
        for (const [id, count] of Object.entries(counts)) {
          store.append(
            { __name__: 'log_template_events_total', service: 'orders', template_id: id, level: 'error' },
            t,
            count,
          );
        }
        scrapedTo = t;
      }
    };
    scrapeUntil(START);
    const detection = createLiveDetection({
      source,
      clock,
      signals: [logTemplateRateSignal()],
      intervalMs: STEP_MS,
    });
    await detection.start();
    expect(detection.series().map((s) => s.labels)).toEqual([
      { service: 'orders', template_id: 'a' },
      { service: 'orders', template_id: 'b' },
    ]);
    await runUntil(clock, scrapeUntil, detection, FAULT_AT + 5 * MIN);
    await detection.stop();
    const events = detection.events();
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.every((e) => e.labels['template_id'] === 'b')).toBe(true);
    expect(events.at(-1)!.id).toBe(`orders/log_template_rate{template_id="b"}@${events.at(-1)!.startsAtMs}`);
    expect(events.at(-1)!.startsAtMs).toBeGreaterThan(FAULT_AT);
  });
});
