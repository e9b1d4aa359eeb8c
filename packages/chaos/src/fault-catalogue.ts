import type { FaultInfo } from '@opsloop/contracts';
import {
  FAULT_GRPC_CODES,
  FAULT_HTTP_STATUSES,
  LATENCY_DISTRIBUTIONS,
  MAX_FAULT_LATENCY_MS,
} from '@opsloop/kit';
import { z } from 'zod';
import { ChaosInputError, ChaosTargetError } from './chaos-errors.js';
import { errorText } from './error-text.js';
import {
  defineFault,
  faultParamInfo,
  type ExpectedCause,
  type FaultDefinition,
  type ReplicaFaultSpec,
} from './fault-definition.js';
import { settleBounded } from './settle-bounded.js';

// The environment variable the service kit reads to fail a ratio of requests (kit's FAULT_ERROR_RATE_ENV).
const FAULT_ERROR_RATE = 'FAULT_ERROR_RATE';
// What the kit's fault endpoint accepts: the catalogue must not let through what every replica would refuse.
const MAX_DELAY_MS = MAX_FAULT_LATENCY_MS;
const TWO_MINUTES = 120_000;
const NAME_PATTERN = /^[a-z][a-z0-9-]*$/;

const ratio = (fallback: number, what: string) =>
  z.number().min(0).max(1).default(fallback).describe(`Fraction of ${what}, 0..1.`);

const delayParams = (ms: number, what: string) => ({
  ms: z
    .number()
    .int()
    .min(1)
    .max(MAX_DELAY_MS)
    .default(ms)
    .describe(`Delay added to each affected ${what}, ms (the centre or scale of the distribution).`),
  jitterMs: z
    .number()
    .int()
    .min(0)
    .max(MAX_DELAY_MS)
    .default(0)
    .describe('Spread around ms, ms (for the fixed and uniform distributions).'),
  distribution: z
    .enum(LATENCY_DISTRIBUTIONS)
    .default('fixed')
    .describe(
      'Shape of the delay: fixed (ms ± jitter), uniform, exponential (mean ms) or pareto (scale ms).',
    ),
  ratio: ratio(1, `${what}s delayed`),
});

const latencyParams = (p: { ms: number; jitterMs: number; distribution: string; ratio: number }) => ({
  ms: p.ms,
  jitterMs: p.jitterMs,
  distribution: p.distribution,
  ratio: p.ratio,
});

const protocol = z
  .enum(['both', 'http', 'rpc'])
  .default('both')
  .describe('Which API it hits: HTTP, gRPC, or both.');

const pointsOf = (on: 'both' | 'http' | 'rpc'): string[] => (on === 'both' ? ['http', 'rpc'] : [on]);

const target = (kind: ExpectedCause['kind']): ExpectedCause => ({ service: 'target', kind });

const crash = defineFault({
  name: 'crash',
  summary: 'Kills replicas of the target (kill -9 by default); the runtime restarts them as after any crash.',
  params: z.strictObject({
    replicas: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(1)
      .describe('How many replicas to kill (ready ones first); ignored when --replica names one.'),
    signal: z
      .enum(['SIGKILL', 'SIGTERM'])
      .default('SIGKILL')
      .describe('SIGKILL crashes at once; SIGTERM lets the replica drain and exit.'),
  }),
  scope: 'replica',
  mechanism: {
    type: 'runtime',
    operation: 'killReplica',
    acceptsReplica: true,
    async apply({ platform, target: service, replica, params }) {
      const all = platform.replicas(service);
      const ordered = [...all.filter((r) => r.ready), ...all.filter((r) => !r.ready)].map((r) => r.name);
      const victims = replica !== undefined ? [replica] : ordered.slice(0, params.replicas);
      if (victims.length === 0) throw new ChaosTargetError(`${service} has no replicas to crash`);
      const results = await settleBounded(victims, 8, (name) => platform.killReplica(name, params.signal));
      const replicas: string[] = [];
      const errors: string[] = [];
      results.forEach((result, i) => {
        if (result.status === 'fulfilled') replicas.push(victims[i]!);
        else errors.push(`${victims[i]}: ${errorText(result.reason)}`);
      });
      return { replicas, errors };
    },
  },
  defaultDurationMs: 0,
  instant: true,
  expectedCause: target('failure'),
});

const hang = defineFault({
  name: 'hang',
  summary: 'Blocks the event loop of each replica, block after block, until the fault ends.',
  params: z.strictObject({
    ms: z
      .number()
      .int()
      .min(1)
      .max(60_000)
      .default(5000)
      .describe('Length of each block, ms (the replica blocks again right after each one).'),
  }),
  scope: 'replica',
  mechanism: { type: 'replica-endpoint', requests: (p) => [{ kind: 'hang', params: { ms: p.ms } }] },
  defaultDurationMs: TWO_MINUTES,
  expectedCause: target('saturation'),
});

const latency = defineFault({
  name: 'latency',
  summary: "Adds a delay to the target's HTTP and gRPC requests.",
  params: z.strictObject({ ...delayParams(800, 'request'), protocol }),
  scope: 'replica',
  mechanism: {
    type: 'replica-endpoint',
    requests: (p) =>
      pointsOf(p.protocol).map((point): ReplicaFaultSpec => ({
        kind: 'latency',
        point,
        params: latencyParams(p),
      })),
  },
  defaultDurationMs: TWO_MINUTES,
  expectedCause: target('failure'),
});

const errors = defineFault({
  name: 'errors',
  summary: "Fails a ratio of the target's HTTP and gRPC requests.",
  params: z.strictObject({
    ratio: ratio(0.5, 'requests failed'),
    status: z.literal(FAULT_HTTP_STATUSES).default(500).describe('HTTP status of a failed request.'),
    grpcCode: z.enum(FAULT_GRPC_CODES).default('INTERNAL').describe('gRPC status code of a failed call.'),
    protocol,
  }),
  scope: 'replica',
  mechanism: {
    type: 'replica-endpoint',
    requests: (p) =>
      pointsOf(p.protocol).map((point): ReplicaFaultSpec => ({
        kind: 'errors',
        point,
        params: { ratio: p.ratio, status: p.status, grpcCode: p.grpcCode },
      })),
  },
  defaultDurationMs: TWO_MINUTES,
  expectedCause: target('failure'),
});

const cpu = defineFault({
  name: 'cpu',
  summary: 'Burns CPU in each replica.',
  params: z.strictObject({
    percent: z.number().int().min(1).max(100).default(90).describe('Share of one core to burn, percent.'),
  }),
  scope: 'replica',
  mechanism: { type: 'replica-endpoint', requests: (p) => [{ kind: 'cpu', params: { percent: p.percent } }] },
  defaultDurationMs: TWO_MINUTES,
  expectedCause: target('saturation'),
});

const memoryLeak = defineFault({
  name: 'memory-leak',
  summary: 'Makes each replica retain memory at a steady rate, up to a cap.',
  params: z.strictObject({
    mbPerSecond: z.number().min(0.1).max(1024).default(20).describe('Memory retained per second, MB.'),
    maxMb: z.number().int().min(1).max(16_384).default(800).describe('Stops growing at this much, MB.'),
  }),
  scope: 'replica',
  mechanism: {
    type: 'replica-endpoint',
    requests: (p) => [{ kind: 'memory', params: { mbPerSecond: p.mbPerSecond, maxMb: p.maxMb } }],
  },
  defaultDurationMs: TWO_MINUTES,
  expectedCause: target('saturation'),
});

const dbSlow = defineFault({
  name: 'db-slow',
  summary: "Slows the target's database queries.",
  params: z.strictObject(delayParams(500, 'query')),
  scope: 'service',
  mechanism: {
    type: 'replica-endpoint',
    requests: (p) => [{ kind: 'latency', point: 'db', params: latencyParams(p) }],
  },
  defaultDurationMs: TWO_MINUTES,
  expectedCause: target('dependency'),
});

const dbFailure = defineFault({
  name: 'db-failure',
  summary: "Fails a ratio of the target's database queries.",
  params: z.strictObject({ ratio: ratio(0.5, 'queries failed') }),
  scope: 'service',
  mechanism: {
    type: 'replica-endpoint',
    requests: (p) => [{ kind: 'errors', point: 'db', params: { ratio: p.ratio } }],
  },
  defaultDurationMs: TWO_MINUTES,
  expectedCause: target('dependency'),
});

const dependencyUnreachable = defineFault({
  name: 'dependency-unreachable',
  summary: 'Makes the target unable to reach one of the services it depends on (every call fails).',
  params: z.strictObject({
    dependency: z
      .string()
      .regex(NAME_PATTERN, 'must be a service name')
      .describe('A service the target calls; every call of the target to it fails.'),
  }),
  scope: 'service',
  mechanism: {
    type: 'replica-endpoint',
    requests: (p) => [{ kind: 'errors', point: `dependency:${p.dependency}`, params: { ratio: 1 } }],
  },
  defaultDurationMs: TWO_MINUTES,
  expectedCause: target('dependency'),
  validate({ platform, target: service, params }) {
    const dependencies = platform.dependenciesOf(service);
    if (!dependencies.includes(params.dependency)) {
      const known = dependencies.length > 0 ? dependencies.join(', ') : 'none';
      throw new ChaosTargetError(
        `${params.dependency} is not a dependency of ${service} (its dependencies: ${known})`,
      );
    }
  },
});

const busStall = defineFault({
  name: 'bus-stall',
  summary: "Stalls the target's event-bus consumers (messages pile up, nothing is processed).",
  params: z.strictObject({}),
  scope: 'replica',
  mechanism: {
    type: 'replica-endpoint',
    requests: () => [{ kind: 'stall', point: 'bus-consumer', params: {} }],
  },
  defaultDurationMs: TWO_MINUTES,
  expectedCause: target('failure'),
});

const paymentProviderSlow = defineFault({
  name: 'payment-provider-slow',
  summary: 'Slows the payment provider as the target (the service that owns it) sees it.',
  params: z.strictObject({
    provider: z
      .string()
      .regex(NAME_PATTERN, 'must be a provider name')
      .default('primary')
      .describe('Which provider: primary, or the name of another one the target uses.'),
    ...delayParams(3000, 'provider call'),
  }),
  scope: 'service',
  mechanism: {
    type: 'replica-endpoint',
    requests: (p) => [
      {
        kind: 'latency',
        point: p.provider === 'primary' ? 'payment-provider' : `payment-provider:${p.provider}`,
        params: latencyParams(p),
      },
    ],
  },
  defaultDurationMs: TWO_MINUTES,
  expectedCause: target('dependency'),
});

const badRelease = defineFault({
  name: 'bad-release',
  summary:
    'Releases a new version of the target that fails a ratio of its requests, through the normal rollout.',
  params: z.strictObject({
    ratio: z
      .number()
      .min(0.01)
      .max(1)
      .default(0.5)
      .describe('Fraction of requests the new version fails (its FAULT_ERROR_RATE), 0.01..1.'),
  }),
  scope: 'service',
  mechanism: {
    type: 'runtime',
    operation: 'releaseVersion',
    acceptsReplica: false,
    async apply({ platform, target: service, params, sequence }) {
      const current = platform.currentVersion(service);
      // Stacked bad releases count on from the running one instead of nesting suffixes.
      const stacked = /^(.*)-bad\.(\d+)$/.exec(current);
      const base = stacked ? stacked[1]! : current;
      const n = Math.max(stacked ? Number(stacked[2]) + 1 : 1, sequence);
      const undo = await platform.releaseVersion(service, {
        version: `${base}-bad.${n}`,
        env: { [FAULT_ERROR_RATE]: String(params.ratio) },
      });
      return { undo };
    },
  },
  defaultDurationMs: TWO_MINUTES,
  expectedCause: target('change'),
});

const badFlag = defineFault({
  name: 'bad-flag',
  summary: 'Flips a feature flag to a bad variant; the target is the service that evaluates the flag.',
  params: z.strictObject({
    flag: z.string().min(1, 'must not be empty').describe('The flag key.'),
    variant: z.string().min(1, 'must not be empty').describe('The variant to serve to everyone.'),
  }),
  scope: 'service',
  mechanism: {
    type: 'runtime',
    operation: 'setFlag',
    acceptsReplica: false,
    apply: async ({ platform, params }) => ({ undo: await platform.setFlag(params.flag, params.variant) }),
  },
  defaultDurationMs: TWO_MINUTES,
  expectedCause: target('change'),
});

const badConfig = defineFault({
  name: 'bad-config',
  summary: 'Changes one environment variable of the target (rolled out like any config change).',
  params: z.strictObject({
    key: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
      .describe('The environment variable to change.'),
    value: z.string().describe('Its bad value (may be empty).'),
  }),
  scope: 'service',
  mechanism: {
    type: 'runtime',
    operation: 'changeConfig',
    acceptsReplica: false,
    apply: async ({ platform, target: service, params }) => ({
      undo: await platform.changeConfig(service, { [params.key]: params.value }),
    }),
  },
  defaultDurationMs: TWO_MINUTES,
  expectedCause: target('change'),
});

const trafficFlood = defineFault({
  name: 'traffic-flood',
  summary: 'Floods the target (normally the gateway) with generated requests.',
  params: z.strictObject({
    rate: z.number().int().min(1).max(100_000).default(200).describe('Requests per second.'),
  }),
  scope: 'service',
  mechanism: {
    type: 'runtime',
    operation: 'startLoad',
    acceptsReplica: false,
    apply: async ({ platform, target: service, params, durationMs }) => ({
      undo: await platform.startLoad({ target: service, rate: params.rate, durationMs }),
    }),
  },
  defaultDurationMs: 60_000,
  expectedCause: target('traffic'),
});

/** Every fault opsloop can inject, by CLI name, in listing order. */
export const FAULTS: readonly FaultDefinition[] = [
  crash,
  hang,
  latency,
  errors,
  cpu,
  memoryLeak,
  dbSlow,
  dbFailure,
  dependencyUnreachable,
  busStall,
  paymentProviderSlow,
  badRelease,
  badFlag,
  badConfig,
  trafficFlood,
];

/** The fault called `name`; throws {@link ChaosInputError} naming the known faults otherwise. */
export function faultByName(name: string, faults: readonly FaultDefinition[] = FAULTS): FaultDefinition {
  const found = faults.find((fault) => fault.name === name);
  if (found === undefined) {
    throw new ChaosInputError(`unknown fault "${name}" (known: ${faults.map((f) => f.name).join(', ')})`);
  }
  return found;
}

// A fault as `opsloop chaos list` and `GET /v1/chaos/faults` show it is a control API contract.
export type { FaultInfo };

/** The catalogue as data, for `opsloop chaos list` and the control API. */
export function listFaults(faults: readonly FaultDefinition[] = FAULTS): FaultInfo[] {
  return faults.map((fault) => ({
    name: fault.name,
    summary: fault.summary,
    scope: fault.scope,
    mechanism: fault.mechanism.type,
    ...(fault.mechanism.type === 'runtime' ? { operation: fault.mechanism.operation } : {}),
    defaultDurationMs: fault.defaultDurationMs,
    instant: fault.instant,
    expectedCause: { ...fault.expectedCause },
    params: faultParamInfo(fault),
  }));
}
