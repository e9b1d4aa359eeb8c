import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import type { BaseConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { createTracing, type Tracing } from './create-tracing.js';

/** The OpenTelemetry variables of the base config schema. */
export type TracingConfig = Pick<
  BaseConfig,
  | 'OTEL_SDK_DISABLED'
  | 'OTEL_EXPORTER_OTLP_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
  | 'OTEL_TRACES_SAMPLER'
  | 'OTEL_TRACES_SAMPLER_ARG'
>;

/**
 * The OTLP/HTTP traces URL the standard variables give: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, else
 * `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`; undefined when neither is set.
 */
export function tracesEndpoint(config: TracingConfig): string | undefined {
  if (config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined)
    return config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`;
}

/** The sampler `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` name (default: parent-based always-on). */
export function samplerFromConfig(config: TracingConfig): Sampler {
  const ratio = config.OTEL_TRACES_SAMPLER_ARG ?? 1;
  switch (config.OTEL_TRACES_SAMPLER) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    case 'parentbased_always_on':
    case undefined:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/** Who the spans of {@link tracingFromConfig} come from. */
export interface TracingIdentity {
  service: string;
  version: string;
  instance: string;
  log?: Logger | undefined;
}

/**
 * The tracing the standard OpenTelemetry variables ask for: none when `OTEL_SDK_DISABLED=true` (the API
 * stays a no-op: no spans, no ids in logs, no `traceparent` sent); otherwise {@link createTracing} with
 * the sampler and, when an endpoint is set, OTLP/HTTP export.
 */
export function tracingFromConfig(config: TracingConfig, identity: TracingIdentity): Tracing | undefined {
  if (config.OTEL_SDK_DISABLED === true) return undefined;
  return createTracing({
    ...identity,
    endpoint: tracesEndpoint(config),
    sampler: samplerFromConfig(config),
  });
}
