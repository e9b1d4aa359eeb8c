import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeriesSamples } from '../src/model/series-store.js';
import { MetricsQueryError, type MetricsSource, type QueryResult } from '../src/metrics/metrics-source.js';

/** 15 s steps, 10 minutes of data ending at `end`: what every adapter under contract is loaded with. */
export function contractDataset(end: number): SeriesSamples[] {
  const steps = 40;
  const times = Array.from({ length: steps + 1 }, (_, i) => end - (steps - i) * 15_000);
  const series = (labels: Record<string, string>, value: (i: number) => number): SeriesSamples => ({
    labels,
    timestamps: times,
    values: times.map((_, i) => value(i)),
  });
  return [
    series({ __name__: 'http_requests_total', job: 'api', instance: 'a', status: '200' }, (i) => 10 * i),
    series({ __name__: 'http_requests_total', job: 'api', instance: 'b', status: '200' }, (i) => 20 * i),
    series({ __name__: 'http_requests_total', job: 'api', instance: 'a', status: '500' }, (i) => i),
    series({ __name__: 'temperature', job: 'sensor', room: 'x' }, (i) => 20 + (i % 5)),
  ];
}

/** An adapter under contract, loaded with {@link contractDataset} for the given end. */
export interface MetricsSourceFixture {
  source: MetricsSource;
  close(): Promise<void>;
}

const byLabel =
  (name: string) => (a: { labels: Record<string, string> }, b: { labels: Record<string, string> }) =>
    (a.labels[name] ?? '').localeCompare(b.labels[name] ?? '');

function vector(result: QueryResult) {
  if (result.type !== 'vector') throw new Error(`expected a vector, got ${result.type}`);
  return [...result.samples];
}

/**
 * The one contract every MetricsSource adapter passes: the embedded backend, Prometheus and
 * VictoriaMetrics answer these the same way (only queries whose meaning all PromQL engines share).
 */
export function describeMetricsSourceContract(
  name: string,
  setup: (end: number) => Promise<MetricsSourceFixture>,
  /** VictoriaMetrics answers scalar expressions with a one-sample vector. */
  quirks: { scalarAsVector?: boolean } = {},
): void {
  describe(`MetricsSource contract: ${name}`, () => {
    const end = Math.floor(Date.now() / 15_000) * 15_000 - 60_000;
    let fixture: MetricsSourceFixture;
    beforeAll(async () => {
      fixture = await setup(end);
    }, 60_000);
    afterAll(async () => {
      await fixture?.close();
    });

    it('selects series by every matcher type', async () => {
      const q = (query: string) => fixture.source.instantQuery(query, end);
      expect(
        vector(await q('http_requests_total{instance="a"}'))
          .map((s) => s.value)
          .sort((a, b) => a - b),
      ).toEqual([40, 400]);
      expect(vector(await q('http_requests_total{status!="200"}')).map((s) => s.labels.status)).toEqual([
        '500',
      ]);
      expect(vector(await q('http_requests_total{instance=~"a|b", status="200"}'))).toHaveLength(2);
      expect(vector(await q('http_requests_total{instance!~"a"}'))[0]?.labels).toEqual({
        __name__: 'http_requests_total',
        job: 'api',
        instance: 'b',
        status: '200',
      });
    });

    it('aggregates, does arithmetic and filters by comparison', async () => {
      const sum = vector(await fixture.source.instantQuery('sum by (status) (http_requests_total)', end));
      expect(sum.sort(byLabel('status')).map((s) => [s.labels, s.value])).toEqual([
        [{ status: '200' }, 1200],
        [{ status: '500' }, 40],
      ]);
      const doubled = vector(await fixture.source.instantQuery('temperature * 2', end));
      expect(doubled.map((s) => [s.labels, s.value])).toEqual([[{ job: 'sensor', room: 'x' }, 40]]);
      expect(vector(await fixture.source.instantQuery('temperature > 100', end))).toEqual([]);
      const scalar = await fixture.source.instantQuery('1 + 2', end);
      if (quirks.scalarAsVector) expect(vector(scalar).map((s) => s.value)).toEqual([3]);
      else expect(scalar).toMatchObject({ type: 'scalar', value: 3 });
    });

    it('answers a range query with one point per step', async () => {
      const result = await fixture.source.rangeQuery('temperature', end - 300_000, end, 15_000);
      if (result.type !== 'matrix') throw new Error(result.type);
      expect(result.series).toHaveLength(1);
      const series = result.series[0]!;
      expect(series.timestampsMs).toEqual(Array.from({ length: 21 }, (_, i) => end - 300_000 + i * 15_000));
      expect(series.values).toEqual(Array.from({ length: 21 }, (_, i) => 20 + ((i + 20) % 5)));
    });

    it('lists series, label names and label values', async () => {
      const series = await fixture.source.series(['http_requests_total'], end - 600_000, end);
      expect(series).toHaveLength(3);
      const names = await fixture.source.labelNames(end - 600_000, end);
      expect(names).toEqual(expect.arrayContaining(['__name__', 'instance', 'job', 'room', 'status']));
      expect(await fixture.source.labelValues('instance', end - 600_000, end)).toEqual(['a', 'b']);
    });

    it('reports malformed PromQL as bad_data', async () => {
      const error = await fixture.source.instantQuery('sum(', end).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MetricsQueryError);
      expect((error as MetricsQueryError).kind).toBe('bad_data');
    });
  });
}
