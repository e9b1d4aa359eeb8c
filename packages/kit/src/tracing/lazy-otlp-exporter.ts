import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/** Options of {@link createLazyOtlpExporter}. */
export interface LazyOtlpExporterOptions {
  /** The OTLP/HTTP traces URL, e.g. `http://collector:4318/v1/traces`. */
  url: string;
  /** Deadline of one export request; default 10 000 ms. */
  timeoutMs?: number;
}

/**
 * The OTLP/HTTP protobuf span exporter, loaded on the first export rather than at start-up: the exporter
 * and its protobuf encoder cost ~40 ms to import, which every replica would pay before being ready. A
 * failed import fails the exports (reported like any export failure), never the service.
 */
export function createLazyOtlpExporter(options: LazyOtlpExporterOptions): SpanExporter {
  let loading: Promise<SpanExporter> | undefined;
  let loaded: SpanExporter | undefined;
  let shut = false;
  const load = (): Promise<SpanExporter> => {
    loading ??= import('@opentelemetry/exporter-trace-otlp-proto').then(({ OTLPTraceExporter }) => {
      loaded = new OTLPTraceExporter({ url: options.url, timeoutMillis: options.timeoutMs ?? 10_000 });
      return loaded;
    });
    return loading;
  };
  return {
    export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
      if (shut) {
        resultCallback({ code: ExportResultCode.FAILED, error: new Error('exporter is shut down') });
        return;
      }
      load().then(
        (exporter) => exporter.export(spans, resultCallback),
        (error: unknown) =>
          resultCallback({
            code: ExportResultCode.FAILED,
            error: error instanceof Error ? error : new Error(String(error)),
          }),
      );
    },
    async forceFlush(): Promise<void> {
      await loaded?.forceFlush?.();
    },
    async shutdown(): Promise<void> {
      shut = true;
      await loaded?.shutdown();
    },
  };
}
