/**
 * A {@link TraceSource} over Grafana Tempo's HTTP API (port 3200, docs: grafana.com/docs/tempo/latest/
 * api_docs): `/api/search` with TraceQL (`q`) or tags (`tags`, `minDuration`, `maxDuration`), times in
 * epoch seconds; `/api/traces/<id>` returning the trace as OTLP JSON (`{"batches": [...]}`, or
 * `resourceSpans`); `/api/search/tag/service.name/values` and `/api/v2/search/tag/name/values?q=` for
 * services and operations.
 *
 * Search hits only carry the root's name and a rounded duration, so each hit's trace is fetched (bounded
 * concurrency) to summarise it exactly and check what the search cannot express ("no error span", exact
 * ms ranges). Tempo has no dependency API (its service graph is a metrics-generator feature, read from
 * Prometheus): the graph is derived here from up to `dependencyTraceLimit` traces of the range.
 */
import { dependencyGraph } from '../dependency-graph.js';
import { decodeResourceSpansJson } from '../otlp-json-decoder.js';
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
import {
  TraceBackendError,
  getJson,
  mapLimit,
  normalizeTraceId,
  type BackendHttpOptions,
} from './http-json.js';
import { toTraceQL, traceqlString } from './traceql.js';

/** Options of {@link createTempoTraceSource}. */
export interface TempoTraceSourceOptions extends BackendHttpOptions {
  /** Search with TraceQL (Tempo ≥ 2.0, default) or with the older tag search. */
  readonly mode?: 'traceql' | 'tags';
  /** Add TraceQL's `most_recent=true` hint so Tempo returns the newest traces (Tempo ≥ 2.5). Default true. */
  readonly mostRecent?: boolean;
  /** Hits asked for per search, as a multiple of the limit (for the client-side checks). Default 2. */
  readonly overFetch?: number;
  /** Traces fetched at once. Default 8. */
  readonly concurrency?: number;
  /** Traces read to derive the dependency graph. Default 500. */
  readonly dependencyTraceLimit?: number;
}

interface TempoSearchResponse {
  readonly traces?: readonly { traceID: string }[] | null;
}

/** Creates the Tempo adapter. */
export function createTempoTraceSource(options: TempoTraceSourceOptions): TraceSource {
  const mode = options.mode ?? 'traceql';
  const overFetch = options.overFetch ?? 2;
  const concurrency = options.concurrency ?? 8;

  async function getTrace(traceId: string): Promise<TraceSpan[] | null> {
    const body = await getJson(options, `/api/traces/${normalizeTraceId(traceId)}`, {}, true);
    if (body === null) return null;
    const doc = body as { batches?: unknown; resourceSpans?: unknown; trace?: { resourceSpans?: unknown } };
    const list = doc.batches ?? doc.resourceSpans ?? doc.trace?.resourceSpans ?? [];
    let spans: TraceSpan[];
    try {
      spans = decodeResourceSpansJson(list, 'batches').spans;
    } catch (error) {
      throw new TraceBackendError(
        `Tempo trace ${traceId} is not OTLP JSON: ${(error as Error).message}`,
        200,
        {
          cause: error,
        },
      );
    }
    return spans.length === 0 ? null : spans.sort(byStartTime);
  }

  async function search(query: TraceQuery, limit: number): Promise<string[]> {
    const range = { start: Math.floor(query.start / 1000), end: Math.ceil(query.end / 1000), limit };
    const params =
      mode === 'traceql'
        ? { ...range, q: toTraceQL(query, options.mostRecent ?? true) }
        : { ...range, ...tagParams(query) };
    const body = (await getJson(options, '/api/search', params)) as TempoSearchResponse;
    return [...new Set((body.traces ?? []).map((t) => normalizeTraceId(t.traceID)))];
  }

  async function fetchAll(ids: readonly string[]): Promise<TraceSpan[][]> {
    const traces = await mapLimit(ids, concurrency, getTrace);
    return traces.filter((t): t is TraceSpan[] => t !== null);
  }

  return {
    getTrace,

    async services(): Promise<string[]> {
      const body = (await getJson(options, '/api/search/tag/service.name/values')) as {
        tagValues?: string[] | null;
      };
      return [...(body.tagValues ?? [])].sort();
    },

    async operations(service: string): Promise<string[]> {
      const body = (await getJson(options, '/api/v2/search/tag/name/values', {
        q: `{ resource.service.name = ${traceqlString(service)} }`,
      })) as { tagValues?: { value: string }[] | null };
      return [...new Set((body.tagValues ?? []).map((v) => v.value))].sort();
    },

    async findTraces(query: TraceQuery): Promise<TraceSummary[]> {
      const ids = await search(query, query.limit * overFetch);
      const out: TraceSummary[] = [];
      for (const spans of await fetchAll(ids)) {
        const summary = summarizeTrace(spans[0]!.traceId, spans.map(spanFacts));
        if (traceMatches(spans, summary, query)) out.push(summary);
      }
      return out.sort(newestFirst).slice(0, query.limit);
    },

    async dependencies(query: DependencyQuery): Promise<DependencyGraph> {
      const ids = await search(
        { start: query.start, end: query.end, limit: 0 },
        options.dependencyTraceLimit ?? 500,
      );
      const traces = await fetchAll(ids);
      return dependencyGraph(
        traces.map((spans) => spans.map(spanFacts)),
        query,
      );
    },
  };
}

/** Parameters of Tempo's tag search (values match as case-insensitive substrings: rechecked after). */
function tagParams(query: TraceQuery): Record<string, string | undefined> {
  const tags: string[] = [];
  const add = (key: string, value: string) =>
    tags.push(`${key}=${/[\s"=]/.test(value) ? JSON.stringify(value) : value}`);
  if (query.service !== undefined) add('service.name', query.service);
  if (query.operation !== undefined) add('name', query.operation);
  for (const [key, value] of Object.entries(query.attributes ?? {})) add(key, value);
  return {
    tags: tags.length === 0 ? undefined : tags.join(' '),
    minDuration:
      query.minDurationMs === undefined ? undefined : `${Math.round(query.minDurationMs * 1000)}us`,
    maxDuration:
      query.maxDurationMs === undefined ? undefined : `${Math.round(query.maxDurationMs * 1000)}us`,
  };
}
