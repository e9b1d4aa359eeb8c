import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { SEMCONV } from './semconv.js';

/**
 * Runs `call` (a call to something the service depends on that has no tracing of its own: a card provider's
 * SDK, a mail relay) in a CLIENT span named `operation` with `peer.service` = `peer`, status ERROR when it
 * throws. The trace-derived dependency graph then has `peer` as a node, and a slow or failing `peer` reads as
 * the caller's dependency failing rather than the caller failing. Outside a trace it only runs `call`.
 */
export async function traceDependencyCall<T>(
  peer: string,
  operation: string,
  call: () => Promise<T>,
): Promise<T> {
  const parent = context.active();
  if (trace.getSpan(parent) === undefined) return call();
  const span = trace
    .getTracer('@opsloop/kit')
    .startSpan(operation, { kind: SpanKind.CLIENT, attributes: { [SEMCONV.peerService]: peer } }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), call);
  } catch (error) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    if (error instanceof Error) span.recordException(error);
    throw error;
  } finally {
    span.end();
  }
}
