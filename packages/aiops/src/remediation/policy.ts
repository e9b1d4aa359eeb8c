import { z } from 'zod';
import type { RootCause } from '../rca/rca-types.js';
import type { Diagnosis } from './diagnosis.js';

/** How the engine acts: not at all (says what it would do), through a person's approval, or at once. */
export type RemediationMode = 'off' | 'suggest' | 'auto';

const MODES = ['off', 'suggest', 'auto'] as const;
const KINDS = ['change', 'saturation', 'dependency', 'traffic', 'failure'] as const;
const DEFAULT_CHANGE_WINDOW_SECONDS = 30 * 60;

const names = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const windowSeconds = z.number().positive().default(DEFAULT_CHANGE_WINDOW_SECONDS);
const replicaParams = {
  /**
   * `callers`: the replicas of the anomalous services calling the cause (a connection pool reset); `users`:
   * only the callers the diagnosis names as failing on it (`usedBy`), nothing when it names none.
   */
  of: z.enum(['service', 'callers', 'users']).default('service'),
  /**
   * `busiest`: most CPU, then memory (when no replica stands out — twice the next one's CPU, or half as much
   * memory again — a restart replaces every replica, one by one); `failing`: not ready first, then most restarts.
   */
  pick: z.enum(['busiest', 'failing']).default('busiest'),
};
const restartParams = {
  ...replicaParams,
  /**
   * As for `replace`, plus `auto`: the replica that stands out (not ready, more restarts than the others,
   * the CPU concentrated on it, or the only one) is restarted; when none stands out the whole service gets a
   * rolling restart (a service-wide failure: restarting one of equal replicas leaves the others failing).
   */
  pick: z.enum(['busiest', 'failing', 'auto']).default('busiest'),
};

const actionSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('rollback'),
    params: z
      .strictObject({
        /** `rollout`: the service's last rollout (started or promoted in the window); `config`: a config change. */
        source: z.enum(['rollout', 'config']).default('rollout'),
        changeWindowSeconds: windowSeconds,
      })
      .default({ source: 'rollout', changeWindowSeconds: DEFAULT_CHANGE_WINDOW_SECONDS }),
  }),
  z.strictObject({
    type: z.literal('flag-off'),
    params: z
      .strictObject({
        changeWindowSeconds: windowSeconds,
        /** The variant meaning "off" per flag; otherwise the flag goes back to its previous variant. */
        offVariants: z.record(z.string(), z.string()).default({}),
      })
      .default({ changeWindowSeconds: DEFAULT_CHANGE_WINDOW_SECONDS, offVariants: {} }),
  }),
  z.strictObject({
    type: z.literal('restart'),
    params: z
      .strictObject({
        ...restartParams,
        /**
         * When every replica is saturated: scale out while the service is below maxReplicas; at maxReplicas
         * (and more than one replica) a rolling restart instead of restarting one saturated replica.
         */
        scaleOutIfAllSaturated: z.boolean().default(false),
        /** CPU (cores) at or above which a replica counts as saturated. */
        saturatedCpu: z.number().positive().default(0.8),
      })
      .default({ of: 'service', pick: 'busiest', scaleOutIfAllSaturated: false, saturatedCpu: 0.8 }),
  }),
  z.strictObject({
    type: z.literal('replace'),
    params: z.strictObject(replicaParams).default({ of: 'service', pick: 'busiest' }),
  }),
  z.strictObject({
    type: z.literal('scale-out'),
    params: z.strictObject({ step: z.number().int().positive().default(1) }).default({ step: 1 }),
  }),
  z.strictObject({
    type: z.literal('shed-load'),
    params: z
      .strictObject({
        /** The entry service whose rate limit is tightened. */
        service: z.string().min(1).default('gateway'),
        /** The limit as a fraction of the entry service's pre-incident request rate. */
        fraction: z.number().positive().max(1).default(0.8),
        /** A fixed limit instead (used when given). */
        requestsPerSecond: z.number().positive().optional(),
      })
      .default({ service: 'gateway', fraction: 0.8 }),
  }),
  z.strictObject({
    type: z.literal('open-circuit'),
    params: z
      .strictObject({
        /** Per failing dependency, the callers whose circuit to it may be opened. */
        callers: z.record(z.string(), z.array(z.string().min(1))).default({}),
        durationSeconds: z.number().positive().default(60),
      })
      .default({ callers: {}, durationSeconds: 60 }),
  }),
  z.strictObject({
    type: z.literal('failover'),
    params: z
      .strictObject({
        /** Per dependency, its named alternative (`payments-provider` → `payments-provider-secondary`). */
        alternatives: z.record(z.string(), z.string().min(1)).default({}),
      })
      .default({ alternatives: {} }),
  }),
]);

const policySchema = z.strictObject({
  name: z.string().min(1),
  match: z
    .strictObject({
      kind: z.union([z.enum(KINDS), z.array(z.enum(KINDS)).min(1)]).optional(),
      service: names.optional(),
      /** An anomalous signal of the cause's service must be one of these. */
      signal: names.optional(),
    })
    .default({}),
  action: actionSchema,
  mode: z.enum(MODES).optional(),
  verify: z
    .strictObject({
      deadlineSeconds: z.number().positive().default(60),
      /** Wait before the first check (a restart takes a while to show). */
      settleSeconds: z.number().min(0).default(0),
    })
    .default({ deadlineSeconds: 60, settleSeconds: 0 }),
});

const policiesSchema = z.array(policySchema).superRefine((policies, ctx) => {
  const seen = new Set<string>();
  policies.forEach((p, i) => {
    if (seen.has(p.name))
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate policy name "${p.name}"` });
    seen.add(p.name);
  });
});

/** A validated remediation policy: defaults filled in. */
export type RemediationPolicy = z.output<typeof policySchema>;
/** A policy as written (defaults optional). */
export type RemediationPolicyInput = z.input<typeof policySchema>;
/** A policy's action with its parameters. */
export type PolicyAction = RemediationPolicy['action'];

/** A policy list that does not validate. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
}

/** Validates a policy list (first match wins, so order matters); throws a {@link PolicyError} naming the first problem. */
export function parsePolicies(input: unknown): RemediationPolicy[] {
  const result = policiesSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `policies.${issue.path.join('.')}` : 'policies';
    throw new PolicyError(`bad remediation policy: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/** Site-specific knowledge the default policies use. */
export interface DefaultPoliciesOptions {
  /** A change started or promoted this long before counts as the incident's cause (1800 s by default). */
  changeWindowSeconds?: number;
  /** Per flag, the variant meaning "off" (otherwise the previous variant). */
  flagOffVariants?: Record<string, string>;
  /** Per dependency, its failover alternative. */
  failovers?: Record<string, string>;
  /** Names of database dependencies: their callers are restarted (connection pools reset). */
  databases?: readonly string[];
  /** Per dependency, the callers whose circuit to it may be opened. */
  circuitCallers?: Record<string, string[]>;
  /** The entry service whose rate limit sheds load (`gateway` by default). */
  entryService?: string;
  /** The shed limit as a fraction of the pre-incident rate (0.8 by default). */
  shedFraction?: number;
  /** Verification deadline of every default policy (60 s by default). */
  deadlineSeconds?: number;
}

/**
 * The default policies (docs/aiops.md, "Remediation"): a change is rolled back or its flag turned off; a
 * saturated service gets its busiest replica restarted, or more replicas when all are saturated or it serves
 * well over its usual load (a rolling restart at maxReplicas; nothing when load saturates it there); a failure restarts the replica that stands out, or the whole service (rolling
 * restart) when its replicas fail alike; a failing dependency is failed over, its callers' pools reset (databases) or its
 * circuits opened; a traffic surge is shed at the entry, then met with more replicas.
 */
export function defaultPolicies(options: DefaultPoliciesOptions = {}): RemediationPolicy[] {
  const changeWindowSeconds = options.changeWindowSeconds ?? DEFAULT_CHANGE_WINDOW_SECONDS;
  const verify = { deadlineSeconds: options.deadlineSeconds ?? 60 };
  const databases = options.databases ?? ['postgres', 'postgresql', 'mariadb', 'mysql', 'database', 'db'];
  const input: RemediationPolicyInput[] = [
    {
      name: 'change-rollout-rollback',
      match: { kind: 'change' },
      action: { type: 'rollback', params: { source: 'rollout', changeWindowSeconds } },
      verify,
    },
    {
      name: 'change-flag-off',
      match: { kind: 'change' },
      action: {
        type: 'flag-off',
        params: { changeWindowSeconds, offVariants: options.flagOffVariants ?? {} },
      },
      verify,
    },
    {
      name: 'change-config-rollback',
      match: { kind: 'change' },
      action: { type: 'rollback', params: { source: 'config', changeWindowSeconds } },
      verify,
    },
    {
      name: 'saturation-restart',
      match: { kind: 'saturation' },
      action: { type: 'restart', params: { pick: 'busiest', scaleOutIfAllSaturated: true } },
      verify: { ...verify, settleSeconds: 10 },
    },
    {
      name: 'failure-restart',
      match: { kind: 'failure' },
      action: { type: 'restart', params: { pick: 'auto' } },
      verify: { ...verify, settleSeconds: 10 },
    },
    {
      name: 'dependency-failover',
      match: { kind: 'dependency' },
      action: { type: 'failover', params: { alternatives: options.failovers ?? {} } },
      verify,
    },
    ...(databases.length > 0
      ? [
          {
            name: 'dependency-database-pool-reset',
            match: { kind: 'dependency' as const, service: [...databases] },
            action: {
              type: 'restart' as const,
              params: { of: 'callers' as const, pick: 'busiest' as const },
            },
            verify: { ...verify, settleSeconds: 10 },
          },
        ]
      : []),
    {
      name: 'dependency-open-circuit',
      match: { kind: 'dependency' },
      action: { type: 'open-circuit', params: { callers: options.circuitCallers ?? {} } },
      verify,
    },
    {
      // A service its callers cannot reach, with no circuit configured: their side of the link (a stale
      // connection, a cached address, a broken channel) is what a replica restart renews; when the service
      // itself is down the restart does not help, is not verified and the incident is escalated.
      name: 'dependency-caller-reset',
      match: { kind: 'dependency' },
      action: { type: 'restart', params: { of: 'users', pick: 'busiest' } },
      verify: { ...verify, settleSeconds: 10 },
    },
    {
      name: 'traffic-shed-load',
      match: { kind: 'traffic' },
      action: {
        type: 'shed-load',
        params: { service: options.entryService ?? 'gateway', fraction: options.shedFraction ?? 0.8 },
      },
      verify,
    },
    {
      name: 'traffic-scale-out',
      match: { kind: 'traffic' },
      action: { type: 'scale-out', params: { step: 1 } },
      verify: { ...verify, settleSeconds: 10 },
    },
  ];
  return parsePolicies(input);
}

/** Whether the policy's `match` fits the root cause (the action may still not apply: see resolveAction). */
export function policyMatches(policy: RemediationPolicy, cause: RootCause, diagnosis: Diagnosis): boolean {
  const { kind, service, signal } = policy.match;
  if (kind !== undefined && !asList(kind).includes(cause.kind)) return false;
  if (service !== undefined && !asList(service).includes(cause.service)) return false;
  if (signal !== undefined) {
    const wanted = asList(signal);
    const ofCause = diagnosis.signals.filter((s) => s.service === cause.service);
    if (!ofCause.some((s) => wanted.includes(s.signal))) return false;
  }
  return true;
}

function asList<T>(value: T | readonly T[]): readonly T[] {
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}
