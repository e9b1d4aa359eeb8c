/**
 * Jaeger's query-API JSON model (jaegertracing/jaeger model/json/model.go: Trace, Span, Reference,
 * Process, KeyValue, Log, DependencyLink) and its translation into {@link TraceSpan}s. Jaeger stores OTLP
 * spans with the OpenTelemetry → Jaeger mapping: kind in tag `span.kind`, status in `otel.status_code` /
 * `otel.status_description` (and `error=true`), scope in `otel.scope.name` / `otel.scope.version`, the
 * resource as process tags, the parent as a CHILD_OF reference, links as other references, events as logs
 * with an `event` field. Times are microseconds.
 */
import { newAttributes, type AttributeValue, type SpanKind, type SpanLink, type TraceSpan } from '../span.js';
import { normalizeTraceId } from './http-json.js';

/** A Jaeger tag or log field. */
export interface JaegerKeyValue {
  readonly key: string;
  readonly type?: string;
  readonly value: unknown;
}

/** A Jaeger span reference. */
export interface JaegerReference {
  readonly refType: string;
  readonly traceID: string;
  readonly spanID: string;
}

/** A Jaeger span. */
export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  readonly flags?: number;
  readonly operationName: string;
  readonly references?: readonly JaegerReference[] | null;
  /** µs since the epoch. */
  readonly startTime: number;
  /** µs. */
  readonly duration: number;
  readonly tags?: readonly JaegerKeyValue[] | null;
  readonly logs?: readonly { timestamp: number; fields?: readonly JaegerKeyValue[] | null }[] | null;
  readonly processID: string;
}

/** A Jaeger process (a service instance). */
export interface JaegerProcess {
  readonly serviceName: string;
  readonly tags?: readonly JaegerKeyValue[] | null;
}

/** A Jaeger trace. */
export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes: Readonly<Record<string, JaegerProcess>>;
}

/** Jaeger's envelope of every query-API answer (cmd/query/app/http_handler.go structuredResponse). */
export interface JaegerResponse<T> {
  readonly data: T | null;
  readonly total?: number;
  readonly errors?: readonly { code?: number; msg: string }[] | null;
}

/** Jaeger's dependency link. */
export interface JaegerDependencyLink {
  readonly parent: string;
  readonly child: string;
  readonly callCount: number;
}

const KINDS: Readonly<Record<string, SpanKind>> = {
  server: 'server',
  client: 'client',
  producer: 'producer',
  consumer: 'consumer',
  internal: 'internal',
};

/** Tags that carry span fields, not attributes; they are taken out of the attributes. */
const SPECIAL_TAGS = new Set([
  'span.kind',
  'otel.status_code',
  'otel.status_description',
  'error',
  'otel.scope.name',
  'otel.scope.version',
  'otel.library.name',
  'otel.library.version',
  'w3c.tracestate',
]);

/** A Jaeger tag's value as an attribute value (binary values arrive base64-encoded). */
export function jaegerValue(kv: JaegerKeyValue): AttributeValue {
  const value = kv.value;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function tagsToAttributes(tags: readonly JaegerKeyValue[] | null | undefined, skip?: Set<string>) {
  const out = newAttributes();
  for (const kv of tags ?? []) if (!skip?.has(kv.key)) out[kv.key] = jaegerValue(kv);
  return out;
}

/** The spans of a Jaeger trace. */
export function fromJaegerTrace(trace: JaegerTrace): TraceSpan[] {
  return trace.spans.map((span) => fromJaegerSpan(span, trace.processes[span.processID]));
}

function fromJaegerSpan(span: JaegerSpan, process: JaegerProcess | undefined): TraceSpan {
  const traceId = normalizeTraceId(span.traceID);
  const tags = new Map((span.tags ?? []).map((kv) => [kv.key, kv.value]));
  const refs = span.references ?? [];
  const parent = refs.find((r) => r.refType === 'CHILD_OF' && normalizeTraceId(r.traceID) === traceId);
  const links: SpanLink[] = refs
    .filter((r) => r !== parent)
    .map((r) => ({
      traceId: normalizeTraceId(r.traceID),
      spanId: r.spanID.toLowerCase().padStart(16, '0'),
      attributes: newAttributes(),
    }));
  const statusCode = text(tags.get('otel.status_code')).toUpperCase();
  const failed = statusCode === 'ERROR' || tags.get('error') === true || tags.get('error') === 'true';
  const message = tags.get('otel.status_description');
  const scopeName = tags.get('otel.scope.name') ?? tags.get('otel.library.name');
  const scopeVersion = tags.get('otel.scope.version') ?? tags.get('otel.library.version');
  const traceState = tags.get('w3c.tracestate');
  const resource = tagsToAttributes(process?.tags);
  resource['service.name'] = process?.serviceName ?? 'unknown_service';
  const startNs = BigInt(Math.round(span.startTime)) * 1000n;
  return {
    traceId,
    spanId: span.spanID.toLowerCase().padStart(16, '0'),
    ...(parent === undefined ? {} : { parentSpanId: parent.spanID.toLowerCase().padStart(16, '0') }),
    ...(typeof traceState === 'string' && traceState !== '' ? { traceState } : {}),
    name: span.operationName,
    kind: KINDS[text(tags.get('span.kind'))] ?? 'unspecified',
    startTimeUnixNano: startNs,
    endTimeUnixNano: startNs + BigInt(Math.round(span.duration)) * 1000n,
    attributes: tagsToAttributes(span.tags, SPECIAL_TAGS),
    resource,
    ...(typeof scopeName === 'string'
      ? {
          scope:
            typeof scopeVersion === 'string'
              ? { name: scopeName, version: scopeVersion }
              : { name: scopeName },
        }
      : {}),
    events: (span.logs ?? []).map((log) => {
      const event = log.fields?.find((f) => f.key === 'event');
      return {
        timeUnixNano: BigInt(Math.round(log.timestamp)) * 1000n,
        name: typeof event?.value === 'string' ? event.value : '',
        attributes: tagsToAttributes(log.fields, new Set(['event'])),
      };
    }),
    links,
    status: failed
      ? typeof message === 'string' && message !== ''
        ? { code: 'error', message }
        : { code: 'error' }
      : statusCode === 'OK'
        ? { code: 'ok' }
        : { code: 'unset' },
    flags: span.flags ?? 0,
  };
}
