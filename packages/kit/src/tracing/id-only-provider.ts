import {
  context as contextApi,
  isSpanContextValid,
  SpanKind,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { RandomIdGenerator, SamplingDecision, type Sampler } from '@opentelemetry/sdk-trace-base';

/**
 * A tracer provider for processes that export no spans: every span is a non-recording span with real ids
 * (the parent's trace id, a new span id), so logs carry `trace_id`/`span_id` and the `traceparent` sent on
 * keeps the trace, at a fraction of the SDK's cost (no span objects, attributes or processors). The
 * sampled flag is the sampler's decision, so a callee that does export keeps the caller's choice.
 */
export function createIdOnlyTracerProvider(sampler: Sampler): TracerProvider {
  const ids = new RandomIdGenerator();

  const startSpan = (name: string, options: SpanOptions = {}, ctx: Context = contextApi.active()): Span => {
    const parentContext = options.root === true ? trace.deleteSpan(ctx) : ctx;
    const parent = trace.getSpanContext(parentContext);
    const valid = parent !== undefined && isSpanContextValid(parent);
    const traceId = valid ? parent.traceId : ids.generateTraceId();
    const { decision, traceState } = sampler.shouldSample(
      parentContext,
      traceId,
      name,
      options.kind ?? SpanKind.INTERNAL,
      options.attributes ?? {},
      options.links ?? [],
    );
    const state = traceState ?? (valid ? parent.traceState : undefined);
    return trace.wrapSpanContext({
      traceId,
      spanId: ids.generateSpanId(),
      traceFlags: decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
      ...(state === undefined ? {} : { traceState: state }),
    });
  };

  const tracer: Tracer = {
    startSpan,
    startActiveSpan<F extends (span: Span) => unknown>(
      name: string,
      ...args: [F] | [SpanOptions, F] | [SpanOptions, Context, F]
    ): ReturnType<F> {
      const fn = args[args.length - 1] as F;
      const options = args.length > 1 ? (args[0] as SpanOptions) : undefined;
      const ctx = args.length > 2 ? (args[1] as Context) : contextApi.active();
      const span = startSpan(name, options, ctx);
      return contextApi.with(trace.setSpan(ctx, span), () => fn(span)) as ReturnType<F>;
    },
  };
  return { getTracer: () => tracer };
}
