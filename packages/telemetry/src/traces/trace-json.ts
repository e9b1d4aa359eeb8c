/**
 * The JSON shape of a trace in the query API (`GET /api/traces/:id`): our own, documented here, close to
 * OTLP's span but flat and readable — times as decimal nanosecond strings (exact) plus `startMs` and
 * `durationMs` numbers (µs precision) for display, the service next to each span.
 *
 *     { "traceId": "…", "spans": [ { "traceId", "spanId", "parentSpanId"?, "name", "kind", "service",
 *       "startTimeUnixNano", "endTimeUnixNano", "startMs", "durationMs", "status": { "code", "message"? },
 *       "attributes", "resource", "scope"?, "events": [ { "timeUnixNano", "name", "attributes" } ],
 *       "links": [ { "traceId", "spanId", "attributes" } ], "flags" } ] }
 */
import { nanosToMs, serviceOf, spanDurationMs, type TraceSpan } from './span.js';

/** A span in the query API's JSON. */
export interface SpanJson {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly traceState?: string;
  readonly name: string;
  readonly kind: TraceSpan['kind'];
  readonly service: string;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly startMs: number;
  readonly durationMs: number;
  readonly status: TraceSpan['status'];
  readonly attributes: TraceSpan['attributes'];
  readonly resource: TraceSpan['resource'];
  readonly scope?: TraceSpan['scope'];
  readonly events: readonly { timeUnixNano: string; name: string; attributes: TraceSpan['attributes'] }[];
  readonly links: TraceSpan['links'];
  readonly flags: number;
}

/** The query API's JSON of one span. */
export function spanToJson(span: TraceSpan): SpanJson {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    ...(span.parentSpanId === undefined ? {} : { parentSpanId: span.parentSpanId }),
    ...(span.traceState === undefined ? {} : { traceState: span.traceState }),
    name: span.name,
    kind: span.kind,
    service: serviceOf(span),
    startTimeUnixNano: span.startTimeUnixNano.toString(),
    endTimeUnixNano: span.endTimeUnixNano.toString(),
    startMs: nanosToMs(span.startTimeUnixNano),
    durationMs: spanDurationMs(span),
    status: span.status,
    attributes: span.attributes,
    resource: span.resource,
    ...(span.scope === undefined ? {} : { scope: span.scope }),
    events: span.events.map((e) => ({
      timeUnixNano: e.timeUnixNano.toString(),
      name: e.name,
      attributes: e.attributes,
    })),
    links: span.links,
    flags: span.flags,
  };
}
