import {
  context as contextApi,
  propagation,
  ROOT_CONTEXT,
  trace,
  type Context,
  type TextMapGetter,
} from '@opentelemetry/api';

/** Reads a plain record of headers, e.g. an event's `headers` (names are matched as given and lower case). */
const recordGetter: TextMapGetter<Readonly<Record<string, string | string[] | undefined>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key] ?? carrier[key.toLowerCase()],
};

/** Reads a Fetch `Headers` (gRPC request metadata in Connect). */
export const fetchHeadersGetter: TextMapGetter<Headers> = {
  keys: (carrier) => [...carrier.keys()],
  get: (carrier, key) => carrier.get(key) ?? undefined,
};

/**
 * The W3C trace-context headers of `ctx` (the active context by default): `traceparent`, and `tracestate`
 * when the span has one. Empty when there is no span or tracing is off. Baggage is not included: events
 * and gRPC calls carry only the trace.
 */
export function traceHeaders(ctx: Context = contextApi.active()): Record<string, string> {
  const out: Record<string, string> = {};
  if (trace.getSpan(ctx) === undefined) return out;
  propagation.inject(ctx, out);
  // The global propagator also writes baggage; only the trace context travels with events and calls.
  for (const key of Object.keys(out)) if (key !== 'traceparent' && key !== 'tracestate') delete out[key];
  return out;
}

/**
 * The context whose remote parent is the span `headers` name (`traceparent`/`tracestate`); the root
 * context (no parent) when they carry none or an invalid one. `base` is the context to extend.
 */
export function contextFromHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>> | undefined,
  base: Context = ROOT_CONTEXT,
): Context {
  if (headers === undefined) return base;
  return propagation.extract(base, headers, recordGetter);
}

/** Whether `headers` carry a `traceparent` (in any letter case). */
export function hasTraceparent(headers: Readonly<Record<string, unknown>> | undefined): boolean {
  if (headers === undefined) return false;
  if (headers.traceparent !== undefined) return true;
  for (const key of Object.keys(headers)) if (key.toLowerCase() === 'traceparent') return true;
  return false;
}
