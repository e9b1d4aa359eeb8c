/**
 * The contract every {@link LogSource} honours, as one vitest suite: `logSourceContract(name, factory)` seeds
 * a source with {@link contractEntries} (the store appends them; an adapter's stand-in server is pushed
 * them) and checks log queries, metric queries, metadata, trace look-ups, tails and errors against a
 * brute-force oracle over the same data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelsKey, normalizeLabels, type Labels } from '../model/labels.js';
import { LogqlParseError } from './logql-parse-error.js';
import type { LabeledLogEntry, LogAppendEntry, LogSource } from './log-source.js';
import { msToNs } from './log-time.js';
import {
  contractEntries,
  contractTraceId,
  LOG_T0,
  nsAt,
  oracleCounts,
  oracleEntries,
  oracleStreams,
  type ContractEntry,
} from './testing/contract-logs.js';

/** A seeded source, how to append to it the way its backend is fed, and how to dispose of it. */
export interface LogContractFixture {
  readonly source: LogSource;
  append(entries: readonly LogAppendEntry[]): Promise<void>;
  close(): Promise<void>;
}

const WINDOW = { start: nsAt(0), end: nsAt(120_000) };
const isService =
  (...names: string[]) =>
  (e: ContractEntry) =>
    names.includes(e.append.labels['service']!);

async function first<T>(iterable: () => AsyncIterable<T>): Promise<T | undefined> {
  for await (const item of iterable()) return item;
  return undefined;
}

/** Runs the contract suite against the sources `factory` makes from the seeded entries. */
export function logSourceContract(
  name: string,
  factory: (entries: readonly LogAppendEntry[]) => Promise<LogContractFixture>,
): void {
  describe(`LogSource contract: ${name}`, () => {
    const entries = contractEntries();
    let fixture: LogContractFixture;
    let source: LogSource;
    beforeAll(async () => {
      fixture = await factory(entries.map((e) => e.append));
      source = fixture.source;
    });
    afterAll(() => fixture?.close());

    it('returns the newest entries backward and the oldest forward, up to the limit', async () => {
      const orders = oracleEntries(entries, isService('orders'), WINDOW.start, WINDOW.end);
      expect(await source.queryLogs('{service="orders"}', { ...WINDOW, limit: 5 })).toEqual(
        oracleStreams(orders, 5, 'backward'),
      );
      const forward = { ...WINDOW, limit: 7, direction: 'forward' as const };
      expect(await source.queryLogs('{service=~"orders|payments"}', forward)).toEqual(
        oracleStreams(oracleEntries(entries, isService('orders', 'payments')), 7, 'forward'),
      );
      expect(
        await source.queryLogs('{service="orders"}', {
          ...WINDOW,
          start: nsAt(-7_200_000),
          end: nsAt(-3_600_000),
        }),
      ).toEqual([]);
    });

    it('keeps nanosecond timestamps, start inclusive and end exclusive', async () => {
      const [a, , c] = oracleEntries(entries, isService('orders'));
      const found = await source.queryLogs('{service="orders"}', {
        start: a!.timestampNs,
        end: String(c!.timestampNs),
        direction: 'forward',
      });
      expect(found.flatMap((s) => s.entries.map((e) => e.timestampNs)).sort()).toEqual(
        oracleEntries(entries, isService('orders'), a!.timestampNs, c!.timestampNs).map((e) => e.timestampNs),
      );
    });

    it('applies line filters and a `| json` label filter', async () => {
      const limit = 100;
      expect(
        await source.queryLogs('{service=~"orders|payments"} |= "request 1"', { ...WINDOW, limit }),
      ).toEqual(
        oracleStreams(
          oracleEntries(entries, (e) => e.fields?.msg.startsWith('request 1') === true),
          limit,
          'backward',
        ),
      );
      expect(
        await source.queryLogs('{stream="stderr"} |~ "GET /api/(cart|products)" != "12ms"', {
          ...WINDOW,
          limit,
        }),
      ).toEqual(
        oracleStreams(
          oracleEntries(
            entries,
            (e) => /GET \/api\/(cart|products)/.test(e.append.line) && !e.append.line.includes('12ms'),
            WINDOW.start,
            WINDOW.end,
          ),
          limit,
          'backward',
        ),
      );
      const failed = await source.queryLogs('{service=~"orders|payments"} | json | status >= 500', {
        ...WINDOW,
        limit,
        direction: 'forward',
      });
      const expected = oracleEntries(entries, (e) => (e.fields?.status ?? 0) >= 500);
      expect(expected.length).toBeGreaterThan(1);
      expect(failed.flatMap((s) => s.entries.map((e) => e.line)).sort()).toEqual(
        expected.map((e) => e.line).sort(),
      );
      for (const stream of failed)
        expect(stream.labels).toMatchObject({ status: '502', msg: expect.stringMatching(/^request /) });
    });

    it('evaluates metric range queries: sum by over count_over_time', async () => {
      const steps = [0, 15_000, 30_000, 45_000, 60_000].map((ms) => LOG_T0 + ms);
      const series = await source.queryLogMetric(
        'sum by (service) (count_over_time({stream=~"std.*"}[30s]))',
        {
          start: msToNs(steps[0]!),
          end: msToNs(steps.at(-1)!),
          stepMs: 15_000,
        },
      );
      const counts = oracleCounts(
        entries,
        () => true,
        (e) => e.append.labels['service']!,
        steps,
        30_000,
      );
      expect(series).toEqual(
        [...counts.keys()].sort().map((service) => ({
          labels: { service },
          points: [...counts.get(service)!].map(([timestampMs, value]) => ({ timestampMs, value })),
        })),
      );
    });

    it('evaluates instant queries: rate per stream and sum by level', async () => {
      const time = LOG_T0 + 60_000;
      const rates = await source.queryLogMetric('rate({service="payments"}[1m])', { time: msToNs(time) });
      const perStream = oracleCounts(
        entries,
        isService('payments'),
        (e) => JSON.stringify(e.stream),
        [time],
        60_000,
      );
      expect(rates).toEqual(
        [...perStream.keys()].sort().map((key) => ({
          labels: JSON.parse(key) as Record<string, string>,
          timestampMs: time,
          value: perStream.get(key)!.get(time)! / 60,
        })),
      );
      const levels = await source.queryLogMetric('sum by (level) (count_over_time({service="orders"}[2m]))', {
        time: String(msToNs(time)),
      });
      const byLevel = oracleCounts(entries, isService('orders'), (e) => e.fields!.level, [time], 120_000);
      expect(levels.map((s) => [s.labels, s.value])).toEqual(
        [...byLevel.keys()].sort().map((level) => [{ level }, byLevel.get(level)!.get(time)]),
      );
    });

    it('lists label names and values, sorted, empty outside the data', async () => {
      expect(await source.labels()).toEqual(['instance', 'level', 'service', 'stream']);
      expect(await source.labels(WINDOW)).toEqual(['instance', 'level', 'service', 'stream']);
      expect(await source.labels({ start: nsAt(-30 * 86_400_000), end: nsAt(-29 * 86_400_000) })).toEqual([]);
      expect(await source.labelValues('service')).toEqual(['gateway', 'orders', 'payments']);
      expect(await source.labelValues('level', WINDOW)).toEqual(['error', 'info', 'warn']);
      expect(await source.labelValues('no_such_label', WINDOW)).toEqual([]);
    });

    it('finds series by matchers, sorted by labels', async () => {
      const streamsOf = (where: (e: ContractEntry) => boolean) =>
        [...new Set(entries.filter(where).map((e) => labelsKey(e.stream)))].sort();
      const keys = (labels: readonly Labels[]) => labels.map(labelsKey);
      const orders = await source.series([{ name: 'service', type: '=', value: 'orders' }], WINDOW);
      expect(keys(orders)).toEqual(streamsOf(isService('orders')));
      const notInfo = await source.series([
        { name: 'instance', type: '=~', value: 'orders-.*|payments-1' },
        { name: 'level', type: '!=', value: 'info' },
      ]);
      expect(keys(notInfo)).toEqual(streamsOf((e) => e.fields !== undefined && e.fields.level !== 'info'));
      expect(keys(await source.series([], WINDOW))).toEqual(streamsOf(() => true));
    });

    it('finds the entries of a trace by their JSON trace_id, oldest first', async () => {
      const id = contractTraceId(1);
      const expected = oracleEntries(entries, (e) => e.fields?.trace_id === id);
      expect(expected.length).toBe(4);
      expect(await source.traceLogs(id)).toEqual(expected);
      expect(await source.traceLogs(id, { limit: 2 })).toEqual(expected.slice(0, 2));
      const range = { start: expected[1]!.timestampNs, end: expected[3]!.timestampNs };
      expect(await source.traceLogs(id, range)).toEqual(expected.slice(1, 3));
      expect(await source.traceLogs(contractTraceId(99))).toEqual([]);
    });

    it('tails: replays from `since`, then delivers appended entries until aborted', async () => {
      const abort = new AbortController();
      const since = nsAt(30_000);
      const tail = source.tail('{service="payments"}', { since, signal: abort.signal });
      const iterator = tail[Symbol.asyncIterator]();
      const replay = oracleEntries(entries, isService('payments'), since);
      const received: LabeledLogEntry[] = [];
      for (let i = 0; i < replay.length; i++) received.push((await iterator.next()).value as LabeledLogEntry);
      expect(received).toEqual(replay);
      const line = JSON.stringify({ level: 'error', msg: 'card declined', trace_id: contractTraceId(7) });
      const labels = { service: 'payments', instance: 'payments-1', stream: 'stdout' };
      const next = iterator.next();
      await fixture.append([
        {
          labels: { service: 'orders', instance: 'orders-1', stream: 'stdout' },
          timestampNs: nsAt(600_000),
          line: 'not tailed',
        },
        { labels, timestampNs: nsAt(600_001), line },
      ]);
      expect((await next).value).toEqual({
        labels: normalizeLabels({ ...labels, level: 'error' }),
        timestampNs: nsAt(600_001),
        line,
      });
      abort.abort();
      expect((await iterator.next()).done).toBe(true);
    });

    it('rejects bad LogQL, and the wrong kind of query, with LogqlParseError', async () => {
      const bad = source.queryLogs('{service="orders"', WINDOW);
      await expect(bad).rejects.toBeInstanceOf(LogqlParseError);
      await expect(bad).rejects.toThrow(/^parse error at line 1, col \d+: /);
      await expect(
        source.queryLogs('count_over_time({service="orders"}[1m])', WINDOW),
      ).rejects.toBeInstanceOf(LogqlParseError);
      await expect(source.queryLogMetric('{service="orders"}', { time: WINDOW.end })).rejects.toBeInstanceOf(
        LogqlParseError,
      );
      await expect(
        source.queryLogMetric('{service="orders"}', { ...WINDOW, stepMs: 10_000 }),
      ).rejects.toBeInstanceOf(LogqlParseError);
      await expect(first(() => source.tail('rate({service="orders"}[1m])'))).rejects.toBeInstanceOf(
        LogqlParseError,
      );
    });
  });
}
