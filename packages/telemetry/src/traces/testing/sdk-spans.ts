/**
 * Test support: records real OpenTelemetry SDK spans (one tracer provider per service, all into one
 * in-memory exporter) so that tests can serialise them with the official OTLP serializers and check our
 * decoders against what instrumented services really send.
 */
import { ROOT_CONTEXT, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/** Records SDK spans of several services. */
export interface SdkRecorder {
  /** A tracer whose spans carry resource `service.name` = `service` plus `resource`. */
  tracer(service: string, resource?: Record<string, string>): Tracer;
  /** The finished spans, in end order. */
  spans(): ReadableSpan[];
}

/** Creates an {@link SdkRecorder}. */
export function createSdkRecorder(): SdkRecorder {
  const exporter = new InMemorySpanExporter();
  const tracers = new Map<string, Tracer>();
  return {
    tracer(service, resource = {}) {
      const key = JSON.stringify([service, resource]);
      let tracer = tracers.get(key);
      if (tracer === undefined) {
        const provider = new BasicTracerProvider({
          resource: resourceFromAttributes({ 'service.name': service, ...resource }),
          spanProcessors: [new SimpleSpanProcessor(exporter)],
        });
        tracer = provider.getTracer('opsloop-test', '1.2.3');
        tracers.set(key, tracer);
      }
      return tracer;
    },
    spans: () => exporter.getFinishedSpans(),
  };
}

/** The context whose active span is `parent` (for starting a child span). */
export function childContext(parent: Span): Context {
  return trace.setSpan(ROOT_CONTEXT, parent);
}

/** An OpenTelemetry HrTime for `ms` since the epoch plus `extraNanos`. */
export function hrTime(ms: number, extraNanos = 0): [number, number] {
  const seconds = Math.floor(ms / 1000);
  return [seconds, (ms - seconds * 1000) * 1_000_000 + extraNanos];
}

/** An SDK HrTime as bigint nanoseconds since the epoch. */
export function hrToNanos(time: readonly [number, number]): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
}
