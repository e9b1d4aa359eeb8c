/**
 * Test support: a stand-in for jaeger-query, answering its HTTP JSON API from seeded spans. Spans are
 * translated the way Jaeger stores OTLP (kind in `span.kind`, status in `otel.status_code` and `error`,
 * scope in `otel.scope.*`, resource as process tags, parent as a CHILD_OF reference, µs times), and
 * searches follow Jaeger's rules (cmd/query/app/query_parser.go, the memory store): a service is required;
 * one span must match service, operation, tags (span or process tags, as strings), start range (µs) and
 * duration range; newest traces first up to `limit`.
 */
import Fastify from 'fastify';
import type { JaegerKeyValue, JaegerSpan, JaegerTrace } from '../jaeger-model.js';
import { serviceOf, type AttributeValue, type Attributes, type TraceSpan } from '../../span.js';
import {
  groupTraces,
  startFixtureServer,
  withStatus,
  type FixtureServer,
} from '../../testing/fixture-server.js';

function keyValue(key: string, value: AttributeValue): JaegerKeyValue {
  if (typeof value === 'string') return { key, type: 'string', value };
  if (typeof value === 'boolean') return { key, type: 'bool', value };
  if (typeof value === 'number') return { key, type: Number.isInteger(value) ? 'int64' : 'float64', value };
  return { key, type: 'string', value: JSON.stringify(value) };
}

const kvs = (attributes: Attributes, skip?: string) =>
  Object.entries(attributes)
    .filter(([key]) => key !== skip)
    .map(([key, value]) => keyValue(key, value));

/** A trace in Jaeger's JSON model. */
export function toJaegerTrace(spans: readonly TraceSpan[]): JaegerTrace {
  const processes: Record<string, { serviceName: string; tags: JaegerKeyValue[] }> = {};
  const processIds = new Map<string, string>();
  const jaegerSpans: JaegerSpan[] = spans.map((span) => {
    const resourceKey = JSON.stringify(span.resource);
    let processID = processIds.get(resourceKey);
    if (processID === undefined) {
      processID = `p${processIds.size + 1}`;
      processIds.set(resourceKey, processID);
      processes[processID] = { serviceName: serviceOf(span), tags: kvs(span.resource, 'service.name') };
    }
    const tags = kvs(span.attributes);
    if (span.kind !== 'unspecified') tags.push(keyValue('span.kind', span.kind));
    if (span.status.code !== 'unset') tags.push(keyValue('otel.status_code', span.status.code.toUpperCase()));
    if (span.status.code === 'error') tags.push(keyValue('error', true));
    if (span.status.message !== undefined)
      tags.push(keyValue('otel.status_description', span.status.message));
    if (span.scope !== undefined) tags.push(keyValue('otel.scope.name', span.scope.name));
    return {
      traceID: span.traceId,
      spanID: span.spanId,
      flags: span.flags,
      operationName: span.name,
      references: [
        ...(span.parentSpanId === undefined
          ? []
          : [{ refType: 'CHILD_OF', traceID: span.traceId, spanID: span.parentSpanId }]),
        ...span.links.map((l) => ({ refType: 'FOLLOWS_FROM', traceID: l.traceId, spanID: l.spanId })),
      ],
      startTime: Number(span.startTimeUnixNano / 1000n),
      duration: Number((span.endTimeUnixNano - span.startTimeUnixNano) / 1000n),
      tags,
      logs: span.events.map((e) => ({
        timestamp: Number(e.timeUnixNano / 1000n),
        fields: [keyValue('event', e.name), ...kvs(e.attributes)],
      })),
      processID,
    };
  });
  return { traceID: spans[0]!.traceId, spans: jaegerSpans, processes };
}

const envelope = (data: unknown) => ({
  data,
  total: Array.isArray(data) ? data.length : 0,
  limit: 0,
  offset: 0,
  errors: null,
});
const tagText = (kv: JaegerKeyValue) => (typeof kv.value === 'string' ? kv.value : JSON.stringify(kv.value));

/** Starts the Jaeger stand-in on 127.0.0.1 (a random port) serving `spans`. */
export async function startJaegerFixture(spans: readonly TraceSpan[]): Promise<FixtureServer> {
  const traces = [...groupTraces(spans).values()].map(toJaegerTrace);
  const byId = new Map(traces.map((t) => [t.traceID, t]));
  const serviceOfSpan = (t: JaegerTrace, s: JaegerSpan) => t.processes[s.processID]!.serviceName;
  const app = Fastify();

  app.get('/api/services', () => envelope([...new Set(spans.map(serviceOf))]));
  app.get<{ Params: { service: string } }>('/api/services/:service/operations', (req) =>
    envelope([...new Set(spans.filter((s) => serviceOf(s) === req.params.service).map((s) => s.name))]),
  );
  app.get<{ Params: { id: string } }>('/api/traces/:id', (req, reply) => {
    const trace = byId.get(req.params.id.padStart(32, '0'));
    if (trace !== undefined) return envelope([trace]);
    return withStatus(reply, 404, {
      data: null,
      total: 0,
      limit: 0,
      offset: 0,
      errors: [{ code: 404, msg: 'trace not found' }],
    });
  });
  app.get<{ Querystring: Record<string, string> }>('/api/traces', (req, reply) => {
    const q = req.query;
    if (!q.service)
      return withStatus(reply, 400, {
        data: null,
        errors: [{ code: 400, msg: "parameter 'service' is required" }],
      });
    const tags = Object.entries(q.tags === undefined ? {} : (JSON.parse(q.tags) as Record<string, string>));
    const start = q.start === undefined ? -Infinity : Number(q.start);
    const end = q.end === undefined ? Infinity : Number(q.end);
    const hits = traces.filter((t) =>
      t.spans.some((s) => {
        const all = [...(s.tags ?? []), ...(t.processes[s.processID]!.tags ?? [])];
        return (
          serviceOfSpan(t, s) === q.service &&
          (q.operation === undefined || s.operationName === q.operation) &&
          s.startTime >= start &&
          s.startTime <= end &&
          tags.every(([k, v]) => all.some((kv) => kv.key === k && tagText(kv) === v))
        );
      }),
    );
    const startOf = (t: JaegerTrace) => Math.min(...t.spans.map((s) => s.startTime));
    hits.sort((a, b) => startOf(b) - startOf(a));
    return envelope(hits.slice(0, q.limit === undefined ? 100 : Number(q.limit)));
  });
  app.get<{ Querystring: { endTs: string; lookback: string } }>('/api/dependencies', (req) => {
    const endUs = Number(req.query.endTs) * 1000;
    const startUs = endUs - Number(req.query.lookback) * 1000;
    const counts = new Map<string, number>();
    for (const t of traces) {
      const byId = new Map(t.spans.map((s) => [s.spanID, s]));
      for (const s of t.spans) {
        const parentRef = s.references?.find((r) => r.refType === 'CHILD_OF');
        const parent = parentRef === undefined ? undefined : byId.get(parentRef.spanID);
        if (parent === undefined || s.startTime < startUs || s.startTime > endUs) continue;
        const [from, to] = [serviceOfSpan(t, parent), serviceOfSpan(t, s)];
        const key = JSON.stringify([from, to]);
        if (from !== to) counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    return envelope(
      [...counts].map(([key, callCount]) => {
        const [parent, child] = JSON.parse(key) as [string, string];
        return { parent, child, callCount };
      }),
    );
  });
  return startFixtureServer(app);
}
