import { z } from 'zod';

/** The environment variable holding the fault endpoint's bearer token; unset: no fault endpoint at all. */
export const FAULT_TOKEN_ENV = 'OPSLOOP_FAULT_TOKEN';

/** Longest injected latency, hang chunk or stall-free wait of one call (one minute). */
export const MAX_FAULT_LATENCY_MS = 60_000;

/** Longest lifetime of one fault (a day). */
export const MAX_FAULT_DURATION_MS = 86_400_000;

/** The point of the faults that act on the whole process (hang, cpu, memory, crash). */
export const PROCESS_POINT = 'process';

/** The points the kit and the platform packages declare; services may declare their own (open strings). */
export const FAULT_POINTS = {
  /** Every non-internal route of the service's Fastify server. */
  http: 'http',
  /** Every method of the service's gRPC server (packages/rpc). */
  rpc: 'rpc',
  /** Every SQL query of packages/store. */
  db: 'db',
  /** Event handlers of packages/bus consumers. */
  busConsumer: 'bus-consumer',
  /** The payments service's simulated card provider. */
  paymentProvider: 'payment-provider',
} as const;

/** The point of outgoing gRPC calls to `service`: `dependency:<service>`. */
export function dependencyPoint(service: string): string {
  return `dependency:${service}`;
}

/** HTTP statuses an `errors` fault can answer with: those the problem catalogue has a type for. */
export const FAULT_HTTP_STATUSES = [400, 401, 403, 404, 409, 413, 415, 429, 500, 502, 503, 504] as const;

/** gRPC status codes (canonical names) an `errors` fault can fail calls with. */
export const FAULT_GRPC_CODES = [
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

/** A gRPC status code name. */
export type FaultGrpcCode = (typeof FAULT_GRPC_CODES)[number];

/** An HTTP status an `errors` fault may use. */
export type FaultHttpStatus = (typeof FAULT_HTTP_STATUSES)[number];

const ratio = z
  .number({ error: 'expected a fraction from 0 to 1' })
  .min(0, 'expected a fraction from 0 to 1')
  .max(1, 'expected a fraction from 0 to 1');

const millis = (min: number, max: number) =>
  z
    .number({ error: `expected milliseconds from ${min} to ${max}` })
    .int(`expected whole milliseconds from ${min} to ${max}`)
    .min(min, `expected milliseconds from ${min} to ${max}`)
    .max(max, `expected milliseconds from ${min} to ${max}`);

/** How an injected latency is drawn; `ms` is its mean (see latency-distribution.ts). */
export const LATENCY_DISTRIBUTIONS = ['fixed', 'uniform', 'exponential', 'pareto'] as const;

/** Parameters of a `latency` fault. */
export const latencyParamsSchema = z.strictObject({
  ms: millis(0, MAX_FAULT_LATENCY_MS),
  /** fixed: ± this, uniformly; uniform: the half-width of the range (default `ms`); ignored otherwise. */
  jitterMs: millis(0, MAX_FAULT_LATENCY_MS).optional(),
  distribution: z
    .enum(LATENCY_DISTRIBUTIONS, { error: `expected one of ${LATENCY_DISTRIBUTIONS.join(', ')}` })
    .default('fixed'),
  /** Fraction of the calls delayed. */
  ratio: ratio.default(1),
});

/** Parameters of an `errors` fault. */
export const errorsParamsSchema = z.strictObject({
  /** Fraction of the calls failed. */
  ratio,
  /** The HTTP status of a failed request (500 unless `grpcCode` says otherwise). */
  status: z
    .number()
    .refine((value) => (FAULT_HTTP_STATUSES as readonly number[]).includes(value), {
      error: `expected one of ${FAULT_HTTP_STATUSES.join(', ')}`,
    })
    .optional(),
  /** The gRPC code of a failed call; by default UNAVAILABLE at `dependency:*`, else derived from `status`. */
  grpcCode: z.enum(FAULT_GRPC_CODES, { error: 'expected a gRPC code name such as UNAVAILABLE' }).optional(),
});

/** Parameters of a `hang` fault: the event loop is blocked `ms` at a time, again and again. */
export const hangParamsSchema = z.strictObject({ ms: millis(1, MAX_FAULT_LATENCY_MS) });

/** Parameters of a `cpu` fault: this share of one core is burnt. */
export const cpuParamsSchema = z.strictObject({
  percent: z
    .number({ error: 'expected a percentage from 1 to 100' })
    .int('expected a whole percentage from 1 to 100')
    .min(1, 'expected a percentage from 1 to 100')
    .max(100, 'expected a percentage from 1 to 100'),
});

/** Default cap of a memory leak: leaking without end would take the whole machine down, not the replica. */
export const DEFAULT_MEMORY_LEAK_MAX_MB = 512;

/** Parameters of a `memory` fault. */
export const memoryParamsSchema = z.strictObject({
  mbPerSecond: z
    .number({ error: 'expected MiB per second from 0.1 to 1024' })
    .min(0.1, 'expected MiB per second from 0.1 to 1024')
    .max(1024, 'expected MiB per second from 0.1 to 1024'),
  maxMb: z
    .number({ error: 'expected MiB from 1 to 65536' })
    .int('expected whole MiB from 1 to 65536')
    .min(1, 'expected MiB from 1 to 65536')
    .max(65_536, 'expected MiB from 1 to 65536')
    .default(DEFAULT_MEMORY_LEAK_MAX_MB),
});

/** Parameters of a `crash` fault. */
export const crashParamsSchema = z
  .strictObject({
    exitCode: z
      .number({ error: 'expected an exit code from 0 to 255' })
      .int('expected an exit code from 0 to 255')
      .min(0, 'expected an exit code from 0 to 255')
      .max(255, 'expected an exit code from 0 to 255')
      .default(1),
  })
  .default({ exitCode: 1 });

/** Parameters of a `stall` fault: none; calls at the point wait until the fault ends. */
export const stallParamsSchema = z.strictObject({}).default({});

/** A fault point name: `http`, `db`, `dependency:cart`, `payment-provider:secondary`… */
export const faultPointSchema = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? 'required: the point to fault (http, rpc, db, dependency:<service>…)'
        : 'expected a point name',
  })
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'expected 1-128 characters of A-Z a-z 0-9 . _ : -');

const processPoint = z
  .literal(PROCESS_POINT, { error: `expected "${PROCESS_POINT}" or nothing: this fault acts on the process` })
  .default(PROCESS_POINT);

const common = {
  /** Chosen by the caller so retries are idempotent (the same id replaces the fault); generated otherwise. */
  id: z
    .string({ error: 'expected an id' })
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected 1-64 characters of A-Z a-z 0-9 . _ -')
    .optional(),
  /** Lifetime; unset: until removed. */
  durationMs: millis(1, MAX_FAULT_DURATION_MS).optional(),
};

/** The body of `POST /internal/faults`: one fault, validated per kind. */
export const faultSpecSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      ...common,
      kind: z.literal('latency'),
      point: faultPointSchema,
      params: latencyParamsSchema,
    }),
    z.strictObject({
      ...common,
      kind: z.literal('errors'),
      point: faultPointSchema,
      params: errorsParamsSchema,
    }),
    z.strictObject({
      ...common,
      kind: z.literal('stall'),
      point: faultPointSchema,
      params: stallParamsSchema,
    }),
    z.strictObject({ ...common, kind: z.literal('hang'), point: processPoint, params: hangParamsSchema }),
    z.strictObject({ ...common, kind: z.literal('cpu'), point: processPoint, params: cpuParamsSchema }),
    z.strictObject({ ...common, kind: z.literal('memory'), point: processPoint, params: memoryParamsSchema }),
    z.strictObject({ ...common, kind: z.literal('crash'), point: processPoint, params: crashParamsSchema }),
  ],
  { error: 'expected kind latency, errors, stall, hang, cpu, memory or crash' },
);

/** A fault as a client sends it (`POST /internal/faults`). */
export type FaultSpec = z.input<typeof faultSpecSchema>;

/** A validated fault, defaults applied. */
export type ParsedFaultSpec = z.output<typeof faultSpecSchema>;

/** A fault kind. */
export type FaultKind = ParsedFaultSpec['kind'];

/** The kinds that stay active until removed or expired (all but `crash`, which happens once). */
export type LastingFaultSpec = Exclude<ParsedFaultSpec, { kind: 'crash' }>;

/** Parameters of each kind, defaults applied. */
export type LatencyParams = z.output<typeof latencyParamsSchema>;
/** See {@link errorsParamsSchema}. */
export type ErrorsParams = z.output<typeof errorsParamsSchema>;
/** See {@link hangParamsSchema}. */
export type HangParams = z.output<typeof hangParamsSchema>;
/** See {@link cpuParamsSchema}. */
export type CpuParams = z.output<typeof cpuParamsSchema>;
/** See {@link memoryParamsSchema}. */
export type MemoryParams = z.output<typeof memoryParamsSchema>;
/** See {@link crashParamsSchema}. */
export type CrashParams = z.output<typeof crashParamsSchema>;

/** A fault in force, as `GET /internal/faults` lists it and `POST` answers it. */
export interface ActiveFault {
  id: string;
  kind: FaultKind;
  /** The point, or `process` for hang, cpu, memory and crash. */
  point: string;
  /** The parameters, defaults applied. */
  params: Record<string, unknown>;
  /** ISO 8601. */
  startedAt: string;
  /** ISO 8601; absent: until removed. */
  expiresAt?: string;
}

/** The body of `GET /internal/faults`. */
export interface FaultList {
  faults: ActiveFault[];
}
