import snappy from 'snappyjs';
import type { Labels } from '../model/labels.js';
import type { SeriesSamples } from '../model/series-store.js';
import { ProtobufWriter } from '../wire/protobuf-writer.js';

/**
 * Encodes series as a Prometheus remote-write 1.0 `WriteRequest` (protobuf, snappy block compression):
 * https://prometheus.io/docs/specs/remote_write_spec/ — labels sorted by name, samples oldest first.
 * Float bits are kept as they are, so staleness markers travel too.
 */
export function encodeRemoteWrite(series: readonly SeriesSamples[]): Uint8Array {
  const request = new ProtobufWriter();
  for (const s of series) {
    request.messageField(1, (ts) => {
      for (const name of Object.keys(s.labels).sort()) {
        ts.messageField(1, (label) => label.stringField(1, name).stringField(2, s.labels[name]!));
      }
      for (let i = 0; i < s.timestamps.length; i += 1) {
        ts.messageField(2, (sample) => sample.doubleField(1, s.values[i]!).varintField(2, s.timestamps[i]!));
      }
    });
  }
  return snappy.compress(request.finish());
}

/** Options of {@link createRemoteWriteClient}. */
export interface RemoteWriteClientOptions {
  /** The receiver, e.g. `http://127.0.0.1:9090/api/v1/write` (Prometheus) or VictoriaMetrics's `/api/v1/write`. */
  url: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Samples per request; 5 000 by default. */
  maxSamplesPerRequest?: number;
}

/** Sends series to a remote-write receiver. */
export interface RemoteWriteClient {
  /** Sends every sample, oldest first across all series, in requests of bounded size. */
  send(series: readonly SeriesSamples[]): Promise<{ requests: number; samples: number }>;
}

/**
 * A remote-write sender. Samples go in time order across series, so a receiver that only accepts samples
 * near its newest (Prometheus's head block) takes a whole history.
 */
export function createRemoteWriteClient(options: RemoteWriteClientOptions): RemoteWriteClient {
  const perRequest = options.maxSamplesPerRequest ?? 5_000;
  const post = async (body: Uint8Array) => {
    const response = await fetch(options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-protobuf',
        'content-encoding': 'snappy',
        'x-prometheus-remote-write-version': '0.1.0',
        ...options.headers,
      },
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${options.url} answered ${response.status}: ${text.trim()}`);
  };
  return {
    async send(series) {
      const points: { s: number; i: number; t: number }[] = [];
      series.forEach((s, index) => {
        for (let i = 0; i < s.timestamps.length; i += 1) points.push({ s: index, i, t: s.timestamps[i]! });
      });
      points.sort((a, b) => a.t - b.t || a.s - b.s);
      let requests = 0;
      for (let from = 0; from < points.length; from += perRequest) {
        const slice = points.slice(from, from + perRequest);
        const counts = new Map<number, number>();
        for (const p of slice) counts.set(p.s, (counts.get(p.s) ?? 0) + 1);
        // Typed arrays, not JS arrays: V8 canonicalises NaNs stored in double arrays, which would turn
        // staleness markers into ordinary NaNs.
        const batch = new Map<
          number,
          { labels: Labels; timestamps: Float64Array; values: Float64Array; n: number }
        >();
        for (const [s, count] of counts)
          batch.set(s, {
            labels: series[s]!.labels,
            timestamps: new Float64Array(count),
            values: new Float64Array(count),
            n: 0,
          });
        for (const p of slice) {
          const entry = batch.get(p.s)!;
          entry.timestamps[entry.n] = p.t;
          entry.values[entry.n] = series[p.s]!.values[p.i]!;
          entry.n += 1;
        }
        await post(encodeRemoteWrite([...batch.values()]));
        requests += 1;
      }
      return { requests, samples: points.length };
    },
  };
}
