/**
 * The bodies of Loki's query API, validated (zod) and turned into the port's types, sorted as the embedded
 * store sorts them (Loki's own orders are not documented as stable). Timestamps of streams are nanosecond
 * strings; matrix and vector samples are `[float seconds, "value"]` pairs, as Prometheus.
 */
import { z } from 'zod';
import { labelsKey, normalizeLabels, type Labels } from '../../model/labels.js';
import type { LabeledLogEntry, LogMetricSample, LogMetricSeries, LogStream } from '../log-source.js';

const labelSet = z.record(z.string(), z.string());
const nanos = z.string().regex(/^\d{1,19}$/, 'a timestamp in nanoseconds (decimal string)');
/** `"1.5"`, `"NaN"`, `"+Inf"`, `"-Inf"`: Prometheus's sample value text. */
const sampleValue = z
  .string()
  .regex(/^[+-]?(?:Inf|NaN|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$/, 'a sample value')
  .transform((text) => (/Inf$/.test(text) ? (text.startsWith('-') ? -Infinity : Infinity) : Number(text)));
const sample = z.tuple([z.number().finite(), sampleValue]);

// Loki 3 may add a third element (structured metadata, parsed labels) when asked to categorise labels.
const streamValue = z.tuple([nanos, z.string()], z.unknown());

const streamsData = z.object({
  resultType: z.literal('streams'),
  result: z.array(z.object({ stream: labelSet, values: z.array(streamValue) })),
});
const matrixData = z.object({
  resultType: z.literal('matrix'),
  result: z.array(z.object({ metric: labelSet, values: z.array(sample) })),
});
const vectorData = z.object({
  resultType: z.literal('vector'),
  result: z.array(z.object({ metric: labelSet, value: sample })),
});
// A scalar (e.g. `vector(1)` on newer Lokis) is neither a log nor a metric series result of the port.
const scalarData = z.object({ resultType: z.literal('scalar'), result: z.unknown() });

const success = <T extends z.ZodType>(data: T) => z.object({ status: z.literal('success'), data });

/** Body of `/loki/api/v1/query_range`. */
export const rangeResponse = success(
  z.discriminatedUnion('resultType', [streamsData, matrixData, scalarData]),
);
/** Body of `/loki/api/v1/query`. */
export const instantResponse = success(
  z.discriminatedUnion('resultType', [vectorData, streamsData, matrixData, scalarData]),
);
/** Body of `/loki/api/v1/labels` and `/label/<name>/values` (Loki leaves `data` out when it is empty). */
export const stringListResponse = z.object({
  status: z.literal('success'),
  data: z.array(z.string()).nullish(),
});
/** Body of `/loki/api/v1/series`. */
export const seriesResponse = z.object({ status: z.literal('success'), data: z.array(labelSet).nullish() });

type StreamsData = z.infer<typeof streamsData>;
type MatrixData = z.infer<typeof matrixData>;
type VectorData = z.infer<typeof vectorData>;

/** The store's order of metric series: by the JSON of their sorted label pairs. */
export function compareMetricLabels(a: Labels, b: Labels): number {
  const ka = JSON.stringify(Object.entries(a).sort());
  const kb = JSON.stringify(Object.entries(b).sort());
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };

const msOf = (seconds: number) => Math.round(seconds * 1000);

/** Streams sorted by labels; entries kept in the order Loki sent them (the query's direction). */
export function toStreams(data: StreamsData): LogStream[] {
  return data.result
    .map((s) => ({
      labels: normalizeLabels(s.stream),
      entries: s.values.map(([ts, line]) => ({ timestampNs: BigInt(ts), line })),
    }))
    .sort(byKey((s) => labelsKey(s.labels)));
}

/** Every entry of a streams result with its labels, oldest first (ties in label order). */
export function toLabeledEntries(data: StreamsData): LabeledLogEntry[] {
  const out: LabeledLogEntry[] = [];
  for (const stream of toStreams(data)) {
    for (const entry of stream.entries) out.push({ labels: stream.labels, ...entry });
  }
  // A stable sort over streams already sorted by labels keeps ties in label order.
  return out.sort((a, b) => (a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : 0));
}

/** Matrix series sorted by labels, points in time order at millisecond resolution. */
export function toSeries(data: MatrixData): LogMetricSeries[] {
  return data.result
    .map((s) => ({
      labels: normalizeLabels(s.metric),
      points: s.values.map(([t, value]) => ({ timestampMs: msOf(t), value })),
    }))
    .sort((a, b) => compareMetricLabels(a.labels, b.labels));
}

/** Vector samples sorted by labels. */
export function toSamples(data: VectorData): LogMetricSample[] {
  return data.result
    .map((s) => ({ labels: normalizeLabels(s.metric), timestampMs: msOf(s.value[0]), value: s.value[1] }))
    .sort((a, b) => compareMetricLabels(a.labels, b.labels));
}

/** Series label sets, de-duplicated and sorted as the store sorts them. */
export function toLabelSets(data: readonly Labels[]): Labels[] {
  const unique = new Map(data.map((labels) => [labelsKey(labels), normalizeLabels(labels)]));
  return [...unique.entries()].sort(byKey(([key]) => key)).map(([, labels]) => labels);
}

/** A sorted, de-duplicated list of names or values. */
export function toSortedStrings(data: readonly string[] | null | undefined): string[] {
  return [...new Set(data ?? [])].sort();
}
