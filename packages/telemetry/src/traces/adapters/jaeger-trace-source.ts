/**
 * A {@link TraceSource} over Jaeger's query HTTP API (the JSON API of jaeger-query / Jaeger v2, port
 * 16686): `/api/services`, `/api/services/<s>/operations`, `/api/traces?service=&operation=&tags=&start=&end=
 * &limit=` (times in µs), `/api/traces/<id>` and `/api/dependencies?endTs=&lookback=` (ms).
 *
 * Jaeger searches need a service (without one, every service is searched), and its duration and time
 * filters apply to single spans, not traces; so the adapter asks Jaeger for the span-level conditions
 * (service, operation, tags, `error=true`), fetches `overFetch` times the limit, and checks the trace-level
 * ones on the returned traces. Jaeger's dependency API only counts calls: errors and latencies are null.
 */
import { newestFirst, spanFacts, summarizeTrace } from '../span-facts.js';
import { byStartTime, type TraceSpan } from '../span.js';
import { traceMatches } from '../trace-match.js';
import type {
  DependencyGraph,
  DependencyQuery,
  TraceQuery,
  TraceSource,
  TraceSummary,
} from '../trace-source.js';
import { TraceBackendError, getJson, normalizeTraceId, type BackendHttpOptions } from './http-json.js';
import {
  fromJaegerTrace,
  type JaegerDependencyLink,
  type JaegerResponse,
  type JaegerTrace,
} from './jaeger-model.js';

/** Options of {@link createJaegerTraceSource}. */
export interface JaegerTraceSourceOptions extends BackendHttpOptions {
  /** Traces asked for per search, as a multiple of the limit (for the client-side filters). Default 4. */
  readonly overFetch?: number;
  /**
   * How far past `end` the search reaches (ms): Jaeger matches on the start of the matching span, which
   * can come after the trace's start. Default 60 000.
   */
  readonly windowSlackMs?: number;
}

/** Creates the Jaeger adapter. */
export function createJaegerTraceSource(options: JaegerTraceSourceOptions): TraceSource {
  const overFetch = options.overFetch ?? 4;
  const slackMs = options.windowSlackMs ?? 60_000;

  async function data<T>(
    path: string,
    params: Record<string, string | number | undefined> = {},
    notFoundIsNull = false,
  ): Promise<T | null> {
    const body = (await getJson(options, path, params, notFoundIsNull)) as JaegerResponse<T> | null;
    if (body === null) return null;
    if (body.data === null && (body.errors?.length ?? 0) > 0) {
      throw new TraceBackendError(`Jaeger ${path}: ${body.errors!.map((e) => e.msg).join('; ')}`);
    }
    return body.data;
  }

  async function services(): Promise<string[]> {
    return [...((await data<string[]>('/api/services')) ?? [])].sort();
  }

  return {
    services,

    async operations(service: string): Promise<string[]> {
      const ops = await data<string[]>(`/api/services/${encodeURIComponent(service)}/operations`);
      return [...(ops ?? [])].sort();
    },

    async getTrace(traceId: string): Promise<TraceSpan[] | null> {
      const traces = await data<JaegerTrace[]>(`/api/traces/${normalizeTraceId(traceId)}`, {}, true);
      const trace = traces?.[0];
      if (trace === undefined || trace.spans.length === 0) return null;
      return fromJaegerTrace(trace).sort(byStartTime);
    },

    async findTraces(query: TraceQuery): Promise<TraceSummary[]> {
      const tags: Record<string, string> = { ...query.attributes };
      if (query.status === 'error') tags.error = 'true';
      const names = query.service === undefined ? await services() : [query.service];
      const found = new Map<string, TraceSummary>();
      for (const service of names) {
        const traces =
          (await data<JaegerTrace[]>('/api/traces', {
            service,
            operation: query.operation,
            tags: Object.keys(tags).length > 0 ? JSON.stringify(tags) : undefined,
            start: Math.floor(query.start * 1000),
            end: Math.ceil((query.end + slackMs) * 1000),
            limit: query.limit * overFetch,
          })) ?? [];
        for (const trace of traces) {
          const spans = fromJaegerTrace(trace);
          if (spans.length === 0) continue;
          const summary = summarizeTrace(normalizeTraceId(trace.traceID), spans.map(spanFacts));
          if (!found.has(summary.traceId) && traceMatches(spans, summary, query))
            found.set(summary.traceId, summary);
        }
      }
      return [...found.values()].sort(newestFirst).slice(0, query.limit);
    },

    async dependencies(query: DependencyQuery): Promise<DependencyGraph> {
      const links =
        (await data<JaegerDependencyLink[]>('/api/dependencies', {
          endTs: Math.round(query.end),
          lookback: Math.max(1, Math.round(query.end - query.start)),
        })) ?? [];
      const seconds = Math.max(query.end - query.start, 1) / 1000;
      const edges = links
        .map((l) => ({
          parent: l.parent,
          child: l.child,
          calls: l.callCount,
          errors: null,
          p50Ms: null,
          p99Ms: null,
          ratePerSecond: l.callCount / seconds,
        }))
        .sort((a, b) => compare(a.parent, b.parent) || compare(a.child, b.child));
      const services = new Set(edges.flatMap((e) => [e.parent, e.child]));
      return {
        nodes: [...services].sort().map((service) => ({ service, spans: null, errors: null })),
        edges,
      };
    },
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
