import { z } from 'zod';

/** Exit code for a configuration error (sysexits.h EX_CONFIG), so supervisors can tell it from a crash. */
export const EXIT_CONFIG = 78;

/** Raised when the environment does not satisfy a service's config schema. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** One line per invalid variable: `PORT: expected a port number 0-65535 (got "abc")`. */
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

const portSchema = z.coerce
  .number({ error: 'expected a port number 0-65535' })
  .int('expected a port number 0-65535')
  .min(0, 'expected a port number 0-65535')
  .max(65535, 'expected a port number 0-65535');

/** A service name as the runtime spells it: a DNS label. */
const SERVICE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `"cart, gateway,"` → `['cart', 'gateway']`. */
const serviceList = (text: string): string[] =>
  text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');

/** An OTLP endpoint: an absolute http(s) URL. */
const otlpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/** Variables whose empty value means something (an empty list), unlike the rest where empty means unset. */
const EMPTY_IS_A_VALUE = new Set(['OPSLOOP_RPC_CALLERS']);

/** The variables every service understands; a service's own schema extends it. */
export const baseConfigSchema = z.object({
  PORT: portSchema.default(0),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The service this process is a replica of (set by the runtime); discovery names it as the caller. */
  OPSLOOP_SERVICE: z
    .string()
    .max(63, 'expected a service name')
    .regex(SERVICE_NAME, 'expected a service name')
    .optional(),
  /** Replica name given by the runtime; defaults to the host's pid so logs stay distinguishable. */
  OPSLOOP_INSTANCE: z.string().min(1).optional(),
  SERVICE_VERSION: z.string().min(1).optional(),
  BODY_LIMIT_BYTES: z.coerce
    .number({ error: 'expected a size in bytes' })
    .int('expected a size in bytes')
    .min(1, 'expected a size in bytes ≥ 1')
    .max(64 * 1024 * 1024, 'expected at most 64 MiB')
    .default(1024 * 1024),
  SHUTDOWN_TIMEOUT_MS: z.coerce
    .number({ error: 'expected milliseconds' })
    .int('expected milliseconds')
    .min(0, 'expected milliseconds ≥ 0')
    .default(10_000),
  OPSLOOP_DISCOVERY_URL: z.url({ error: 'expected an http(s) URL' }).optional(),
  OPSLOOP_DISCOVERY_TOKEN: z.string().min(16, 'expected a token of at least 16 characters').optional(),
  /** Directory of the replica's identity (`ca.crt`, `tls.crt`, `tls.key`); set: gRPC over mutual TLS. */
  OPSLOOP_TLS_DIR: z.string().min(1).optional(),
  /** Services allowed to call this one's gRPC (comma-separated; empty: nobody; unset: any valid peer). */
  OPSLOOP_RPC_CALLERS: z
    .string()
    .transform(serviceList)
    .refine((names) => names.every((name) => name.length <= 63 && SERVICE_NAME.test(name)), {
      error: 'expected comma-separated service names',
    })
    .optional(),
  /**
   * Bearer token of the fault endpoint (`/internal/faults`, see faults/fault-endpoint.ts), given by the
   * runtime; unset: the endpoint does not exist and nothing can inject faults into this replica.
   */
  OPSLOOP_FAULT_TOKEN: z.string().min(16, 'expected a token of at least 16 characters').optional(),
  /** Fails this fraction of requests on purpose (rollout tests, game days; see fault-injection.ts). */
  FAULT_ERROR_RATE: z.coerce
    .number({ error: 'expected a fraction from 0 to 1' })
    .min(0, 'expected a fraction from 0 to 1')
    .max(1, 'expected a fraction from 0 to 1')
    .optional(),
  // OpenTelemetry's standard variables (tracing is on by default; see tracing/tracing-from-config.ts).
  // Other OTEL_EXPORTER_OTLP_* variables (headers, timeout) are read by the exporter itself.
  /** `true` turns tracing off: no spans, no trace ids in logs, no `traceparent` sent. */
  OTEL_SDK_DISABLED: z
    .string()
    .toLowerCase()
    .pipe(z.enum(['true', 'false'], { error: 'expected true or false' }))
    .transform((value) => value === 'true')
    .optional(),
  /** OTLP/HTTP base URL; traces go to `<url>/v1/traces`. Neither endpoint set: spans are not exported. */
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl.optional(),
  /** OTLP/HTTP traces URL, used as is; wins over `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl.optional(),
  OTEL_TRACES_SAMPLER: z
    .enum(
      [
        'always_on',
        'always_off',
        'traceidratio',
        'parentbased_always_on',
        'parentbased_always_off',
        'parentbased_traceidratio',
      ],
      {
        error:
          'expected always_on, always_off, traceidratio or parentbased_(always_on|always_off|traceidratio)',
      },
    )
    .optional(),
  /** The ratio of the `traceidratio` samplers; 1 when unset. */
  OTEL_TRACES_SAMPLER_ARG: z.coerce
    .number({ error: 'expected a fraction from 0 to 1' })
    .min(0, 'expected a fraction from 0 to 1')
    .max(1, 'expected a fraction from 0 to 1')
    .optional(),
});

/** Settings every service has. */
export type BaseConfig = z.infer<typeof baseConfigSchema>;

function describeValue(value: unknown): string {
  if (value === undefined) return 'not set';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  // Values may be secrets: show only a short, harmless prefix.
  return `got "${text.length > 24 ? `${text.slice(0, 8)}…` : text}"`;
}

/**
 * Parses the environment once with a zod object schema. Unknown variables are ignored (the environment
 * holds many); a missing or bad one raises a {@link ConfigError} that names every offending variable.
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  // Empty strings count as unset, as in most twelve-factor tooling.
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && (value !== '' || EMPTY_IS_A_VALUE.has(key))) cleaned[key] = value;
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.map(String).join('.') || '(root)';
    const secretLike = /TOKEN|SECRET|PASSWORD|KEY/i.test(key);
    const shown = secretLike
      ? cleaned[key] === undefined
        ? 'not set'
        : 'value hidden'
      : describeValue(cleaned[key]);
    const message = issue.code === 'invalid_type' && cleaned[key] === undefined ? 'required' : issue.message;
    return `${key}: ${message} (${shown})`;
  });
  throw new ConfigError(problems);
}
