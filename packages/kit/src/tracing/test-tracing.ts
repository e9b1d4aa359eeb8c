import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createTracing, type Tracing } from './create-tracing.js';

/** Tracing that keeps every ended span in memory, for tests (see {@link createTestTracing}). */
export interface TestTracing {
  readonly tracing: Tracing;
  /** The spans ended so far, in the order they ended. */
  spans(): ReadableSpan[];
  /** The ended spans named `name`. */
  spansNamed(name: string): ReadableSpan[];
  /** Forgets the spans ended so far. */
  reset(): void;
  /** Shuts the provider down and unregisters it. */
  shutdown(): Promise<void>;
}

/**
 * Registers tracing whose spans are exported synchronously to an `InMemorySpanExporter` (test support:
 * services created afterwards in this process use it instead of creating their own). Shut it down in
 * `afterAll`/`afterEach`.
 */
export function createTestTracing(service = 'test'): TestTracing {
  const exporter = new InMemorySpanExporter();
  const tracing = createTracing({ service, version: '0.0.0', instance: `${service}-test`, exporter });
  return {
    tracing,
    spans: () => exporter.getFinishedSpans(),
    spansNamed: (name) => exporter.getFinishedSpans().filter((span) => span.name === name),
    reset: () => exporter.reset(),
    shutdown: () => tracing.shutdown(),
  };
}
