import { context, propagation, trace, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  AlwaysOnSampler,
  SimpleSpanProcessor,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { Logger } from '../logger.js';
import { createTracingErrorReporter, installTracingErrorReporter } from './error-reporter.js';
import { createIdOnlyTracerProvider } from './id-only-provider.js';
import { createLazyOtlpExporter } from './lazy-otlp-exporter.js';

/** Options of {@link createTracing}. */
export interface TracingOptions {
  /** `service.name` of every span. */
  service: string;
  /** `service.version`. */
  version: string;
  /** `service.instance.id`: the replica. */
  instance: string;
  /**
   * Exports every span as it ends through a `SimpleSpanProcessor` (tests: an `InMemorySpanExporter`; see
   * `createTestTracing`). Takes precedence over `endpoint`.
   */
  exporter?: SpanExporter;
  /**
   * OTLP/HTTP protobuf traces URL (`…/v1/traces`): spans are batched (bounded queue, dropped when full,
   * never blocking) and exported in the background. Neither this nor `exporter`: spans are not recorded,
   * only given ids (see `createIdOnlyTracerProvider`): logs still carry them and callees continue the trace.
   */
  endpoint?: string | undefined;
  /** The sampler; parent-based always-on by default (a caller's decision is kept). */
  sampler?: Sampler;
  /** Where export failures are reported (rate-limited). */
  log?: Logger | undefined;
  /** Largest number of ended spans waiting for export; default 2048 (more are dropped). */
  maxQueueSize?: number;
  /** Deadline of one export to `endpoint`, retries included; default 10 000 ms. */
  exportTimeoutMs?: number;
}

/** The process's tracing: the OpenTelemetry SDK registered as the global tracer provider. */
export interface Tracing {
  /** A tracer of the kit (instrumentation uses `trace.getTracer(scope)`, which reaches the same provider). */
  readonly tracer: Tracer;
  /** The SDK's provider, or the id-only provider when spans go nowhere. */
  readonly provider: TracerProvider;
  /** Whether spans are recorded and exported (false: the id-only provider, traces are stored nowhere). */
  readonly exports: boolean;
  /** Exports what is queued; resolves after at most `timeoutMs` (default 2000) whatever happened. */
  forceFlush(timeoutMs?: number): Promise<void>;
  /**
   * Flushes and stops the SDK (within `timeoutMs`, default 2000), and unregisters it if it is still the
   * global provider. Idempotent.
   */
  shutdown(timeoutMs?: number): Promise<void>;
}

// Kept on globalThis, not in a module variable: the kit may be loaded twice in one process (its sources by
// its own tests, its build by other packages), and the OpenTelemetry API globals are per process too.
const CURRENT = Symbol.for('@opsloop/kit.tracing');
const CONTEXT_MANAGER = Symbol.for('@opsloop/kit.tracing.context-manager');
const slots = globalThis as unknown as Record<symbol, unknown>;

/** The tracing registered by the last {@link createTracing} of this process and not shut down yet. */
export function currentTracing(): Tracing | undefined {
  return slots[CURRENT] as Tracing | undefined;
}

/** Resolves when `promise` settles or after `ms`, whichever comes first; never rejects. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  await Promise.race([promise.catch(() => undefined), deadline]);
  clearTimeout(timer);
}

function processorFor(options: TracingOptions): SpanProcessor | undefined {
  if (options.exporter) return new SimpleSpanProcessor(options.exporter);
  if (options.endpoint === undefined) return undefined;
  const timeoutMs = options.exportTimeoutMs ?? 10_000;
  return new BatchSpanProcessor(createLazyOtlpExporter({ url: options.endpoint, timeoutMs }), {
    maxQueueSize: options.maxQueueSize ?? 2048,
    maxExportBatchSize: 512,
    scheduledDelayMillis: 1000,
    exportTimeoutMillis: timeoutMs,
  });
}

/**
 * Creates the OpenTelemetry tracer provider of this process and registers it globally, with an
 * AsyncLocalStorage context manager and the W3C trace-context and baggage propagators, replacing the
 * provider of an earlier `createTracing` (tests create several). Instrumentation reaches it through the
 * OpenTelemetry API (`trace.getTracer`). Export failures are logged at most once a minute, never thrown.
 */
export function createTracing(options: TracingOptions): Tracing {
  const sampler = options.sampler ?? new ParentBasedSampler({ root: new AlwaysOnSampler() });
  const processor = processorFor(options);
  // Recording spans nobody exports costs ~20 µs a request for nothing: without an exporter, ids only.
  const sdk =
    processor === undefined
      ? undefined
      : new BasicTracerProvider({
          resource: defaultResource().merge(
            resourceFromAttributes({
              'service.name': options.service,
              'service.version': options.version,
              'service.instance.id': options.instance,
            }),
          ),
          sampler,
          spanProcessors: [processor],
        });
  const provider: TracerProvider = sdk ?? createIdOnlyTracerProvider(sampler);
  const reporter = createTracingErrorReporter({ log: options.log });
  installTracingErrorReporter(reporter);
  // A flush's failure is its caller's, not the global handler's, in the SDK: report it the same way.
  const reported = (promise: Promise<void>) => promise.catch((error: unknown) => reporter.report(error));

  // The context manager stays for the life of the process: replacing it would lose the contexts of work in
  // flight. The provider and the propagator are replaced.
  if (slots[CONTEXT_MANAGER] === undefined) {
    const manager = new AsyncLocalStorageContextManager().enable();
    slots[CONTEXT_MANAGER] = manager;
    context.setGlobalContextManager(manager);
  }
  trace.disable();
  propagation.disable();
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );

  let stopping: Promise<void> | undefined;
  const tracing: Tracing = {
    tracer: provider.getTracer('@opsloop/kit'),
    provider,
    exports: sdk !== undefined,
    forceFlush: async (timeoutMs = 2000) => {
      if (sdk) await within(reported(sdk.forceFlush()), timeoutMs);
    },
    shutdown(timeoutMs = 2000) {
      stopping ??= (async () => {
        if (sdk) await within(reported(sdk.shutdown()), timeoutMs);
        if (currentTracing() === tracing) {
          slots[CURRENT] = undefined;
          trace.disable();
          propagation.disable();
        }
      })();
      return stopping;
    },
  };
  slots[CURRENT] = tracing;
  return tracing;
}
