/**
 * Test support: a stand-in for Tempo's query frontend answering from seeded spans. Traces are rendered as
 * Tempo returns them from `/api/traces/<id>`: `{"batches": [ResourceSpans]}` in protobuf JSON (gogo
 * jsonpb: ids in base64, enums by name, int64 as strings). `/api/search` answers TraceQL (the subset in
 * traceql-eval.ts) or tag searches (logfmt `tags`, case-insensitive substring values, `minDuration` /
 * `maxDuration`), times in epoch seconds, with Tempo's search metadata (trace ids without leading zeros).
 */
import Fastify from 'fastify';
import { serviceOf, type AttributeValue, type Attributes, type TraceSpan } from '../../span.js';
import { summarizeTrace, spanFacts } from '../../span-facts.js';
import {
  groupTraces,
  startFixtureServer,
  withStatus,
  type FixtureServer,
} from '../../testing/fixture-server.js';
import { traceqlMatches, traceqlSpans } from './traceql-eval.js';

function anyValue(value: AttributeValue): unknown {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number')
    return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
  return { kvlistValue: { values: keyValues(value as Attributes) } };
}

const keyValues = (attributes: Attributes) =>
  Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(value) }));
const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

/** A trace as Tempo's `/api/traces/<id>` returns it. */
export function toTempoTrace(spans: readonly TraceSpan[]): { batches: unknown[] } {
  const byResource = new Map<string, TraceSpan[]>();
  for (const span of spans) {
    const key = JSON.stringify(span.resource);
    byResource.set(key, [...(byResource.get(key) ?? []), span]);
  }
  return {
    batches: [...byResource.values()].map((group) => ({
      resource: { attributes: keyValues(group[0]!.resource) },
      scopeSpans: [
        {
          scope: group[0]!.scope ?? { name: '' },
          spans: group.map((s) => ({
            traceId: b64(s.traceId),
            spanId: b64(s.spanId),
            ...(s.parentSpanId === undefined ? {} : { parentSpanId: b64(s.parentSpanId) }),
            name: s.name,
            kind: `SPAN_KIND_${s.kind.toUpperCase()}`,
            startTimeUnixNano: s.startTimeUnixNano.toString(),
            endTimeUnixNano: s.endTimeUnixNano.toString(),
            attributes: keyValues(s.attributes),
            status:
              s.status.code === 'unset'
                ? {}
                : {
                    code: `STATUS_CODE_${s.status.code.toUpperCase()}`,
                    ...(s.status.message === undefined ? {} : { message: s.status.message }),
                  },
          })),
        },
      ],
    })),
  };
}

function tagSearchMatches(
  trace: readonly TraceSpan[],
  tags: string,
  durationMs: number,
  min?: string,
  max?: string,
): boolean {
  const goDuration = (d: string) =>
    Number(/^(\d+(?:\.\d+)?)/.exec(d)![1]) *
    ({ us: 1e-3, ms: 1, s: 1000 } as Record<string, number>)[/(us|ms|s)$/.exec(d)![1]!]!;
  if (min !== undefined && durationMs < goDuration(min)) return false;
  if (max !== undefined && durationMs > goDuration(max)) return false;
  const pairs = [...tags.matchAll(/([^\s=]+)=("(?:[^"\\]|\\.)*"|\S+)/g)].map((m) => [
    m[1]!,
    m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!,
  ]);
  const text = (v: AttributeValue | undefined) =>
    v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v);
  return trace.some((span) =>
    pairs.every(([key, value]) => {
      const actual =
        key === 'service.name'
          ? serviceOf(span)
          : key === 'name'
            ? span.name
            : text(span.attributes[key!] ?? span.resource[key!]);
      return actual !== undefined && actual.toLowerCase().includes(value!.toLowerCase());
    }),
  );
}

/** Starts the Tempo stand-in on 127.0.0.1 (a random port) serving `spans`. */
export async function startTempoFixture(spans: readonly TraceSpan[]): Promise<FixtureServer> {
  const traces = groupTraces(spans);
  const app = Fastify();
  app.get<{ Params: { id: string } }>('/api/traces/:id', (req, reply) => {
    const trace = traces.get(req.params.id.padStart(32, '0'));
    return trace === undefined ? withStatus(reply, 404, 'trace not found') : toTempoTrace(trace);
  });
  app.get<{ Querystring: Record<string, string> }>('/api/search', (req) => {
    const q = req.query;
    const startMs = Number(q.start ?? 0) * 1000;
    const endMs = q.end === undefined ? Infinity : Number(q.end) * 1000;
    const hits = [...traces]
      .map(([id, trace]) => ({ trace, summary: summarizeTrace(id, trace.map(spanFacts)) }))
      .filter(({ summary }) => summary.startMs >= startMs && summary.startMs <= endMs)
      .filter(({ trace, summary }) =>
        q.q !== undefined
          ? traceqlMatches(q.q, trace)
          : tagSearchMatches(trace, q.tags ?? '', summary.durationMs, q.minDuration, q.maxDuration),
      )
      .sort((a, b) => b.summary.startMs - a.summary.startMs)
      .slice(0, Number(q.limit ?? 20));
    return {
      traces: hits.map(({ summary }) => ({
        traceID: summary.traceId.replace(/^0+/, ''),
        rootServiceName: summary.rootService,
        rootTraceName: summary.rootOperation,
        startTimeUnixNano: String(BigInt(Math.round(summary.startMs * 1000)) * 1000n),
        durationMs: Math.round(summary.durationMs),
      })),
      metrics: { inspectedTraces: traces.size },
    };
  });
  app.get('/api/search/tag/service.name/values', () => ({
    tagValues: [...new Set(spans.map(serviceOf))],
  }));
  app.get<{ Querystring: { q?: string } }>('/api/v2/search/tag/name/values', (req) => ({
    tagValues: [...new Set(traceqlSpans(req.query.q ?? '{ }', spans).map((s) => s.name))].map((value) => ({
      type: 'string',
      value,
    })),
  }));
  return startFixtureServer(app);
}
