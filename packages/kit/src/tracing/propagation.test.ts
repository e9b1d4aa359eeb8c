import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfigSchema, ConfigError, loadConfig } from '../config.js';
import { traceLogFields } from './log-fields.js';
import { contextFromHeaders, hasTraceparent, traceHeaders } from './propagation.js';
import { createTestTracing, type TestTracing } from './test-tracing.js';
import { tracesEndpoint } from './tracing-from-config.js';

let tracing: TestTracing;
beforeAll(() => {
  tracing = createTestTracing();
});
afterAll(() => tracing.shutdown());

const hex = (length: number) =>
  fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`)).filter((value) => !/^0+$/.test(value));

describe('trace headers', () => {
  it('round-trips any valid traceparent and tracestate through a context', () => {
    fc.assert(
      fc.property(
        hex(32),
        hex(16),
        fc.constantFrom('00', '01'),
        fc.option(fc.stringMatching(/^[a-z][a-z0-9]{0,8}=[a-z0-9]{1,8}$/), { nil: undefined }),
        (traceId, spanId, flags, state) => {
          const headers = {
            traceparent: `00-${traceId}-${spanId}-${flags}`,
            ...(state === undefined ? {} : { tracestate: state }),
          };
          expect(traceHeaders(contextFromHeaders(headers))).toEqual(headers);
        },
      ),
    );
  });

  it('gives no parent for missing or malformed headers', () => {
    fc.assert(
      fc.property(fc.string(), (garbage) => {
        const ctx = contextFromHeaders({ traceparent: garbage });
        // Either garbage happens to be valid, or there is no span.
        const span = trace.getSpan(ctx);
        if (span !== undefined)
          expect(garbage.trim()).toMatch(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}/);
      }),
    );
    expect(traceHeaders(contextFromHeaders(undefined))).toEqual({});
    expect(traceHeaders(ROOT_CONTEXT)).toEqual({});
  });

  it('leaves baggage out of the headers', () => {
    const headers = { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` };
    const withBaggage = propagation.setBaggage(
      contextFromHeaders(headers),
      propagation.createBaggage({ user: { value: 'secret' } }),
    );
    expect(traceHeaders(withBaggage)).toEqual(headers);
  });

  it('finds traceparent in any letter case', () => {
    expect(hasTraceparent({ TraceParent: 'x' })).toBe(true);
    expect(hasTraceparent({ tracestate: 'x' })).toBe(false);
    expect(hasTraceparent(undefined)).toBe(false);
  });
});

describe('traceLogFields', () => {
  it('gives the active span’s ids, and nothing outside a span or for an invalid one', () => {
    expect(traceLogFields()).toEqual({});
    const span = trace.getTracer('test').startSpan('x');
    const fields = context.with(trace.setSpan(context.active(), span), traceLogFields);
    expect(fields).toEqual({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
    const invalid = context.with(
      trace.setSpan(
        ROOT_CONTEXT,
        trace.wrapSpanContext({
          traceId: '0'.repeat(32),
          spanId: '0'.repeat(16),
          traceFlags: 0,
        }),
      ),
      traceLogFields,
    );
    expect(invalid).toEqual({});
  });
});

describe('OpenTelemetry variables of the base config', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(baseConfigSchema, env);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems.join('; ');
      throw error;
    }
    return '';
  };

  it('fails fast on a bad endpoint, sampler, ratio or flag, naming the variable', () => {
    expect(problems({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toMatch(
      /^OTEL_EXPORTER_OTLP_ENDPOINT: /,
    );
    expect(problems({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://x/v1/traces' })).toMatch(
      /^OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: expected an http\(s\) URL/,
    );
    expect(problems({ OTEL_TRACES_SAMPLER: 'sometimes' })).toMatch(/^OTEL_TRACES_SAMPLER: /);
    expect(problems({ OTEL_TRACES_SAMPLER_ARG: '1.5' })).toMatch(/^OTEL_TRACES_SAMPLER_ARG: /);
    expect(problems({ OTEL_SDK_DISABLED: 'yes' })).toMatch(/^OTEL_SDK_DISABLED: expected true or false/);
  });

  it('reads valid values', () => {
    const config = loadConfig(baseConfigSchema, {
      OTEL_SDK_DISABLED: 'TRUE',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
    expect(config.OTEL_SDK_DISABLED).toBe(true);
    expect(config.OTEL_TRACES_SAMPLER_ARG).toBe(0.25);
    expect(tracesEndpoint(config)).toBe('http://collector:4318/v1/traces');
    expect(tracesEndpoint({ ...config, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://t.example/x' })).toBe(
      'https://t.example/x',
    );
    expect(loadConfig(baseConfigSchema, { OTEL_SDK_DISABLED: 'false' }).OTEL_SDK_DISABLED).toBe(false);
  });
});
