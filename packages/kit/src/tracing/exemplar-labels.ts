import { TraceFlags, isSpanContextValid, trace, type Context } from '@opentelemetry/api';

/**
 * The exemplar labels (`trace_id`, `span_id`) of the span active in `ctx`, when that span is sampled;
 * undefined otherwise. An unsampled span's trace is stored nowhere, so an exemplar would link to nothing.
 */
export function sampledSpanExemplar(ctx: Context | undefined): Record<string, string> | undefined {
  if (ctx === undefined) return undefined;
  const spanContext = trace.getSpan(ctx)?.spanContext();
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return undefined;
  if ((spanContext.traceFlags & TraceFlags.SAMPLED) === 0) return undefined;
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
