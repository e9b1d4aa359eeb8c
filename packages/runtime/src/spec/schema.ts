import { z } from 'zod';
import { DEFAULT_DETECTOR, DEFAULT_LIVE_SIGNALS, DETECTORS } from '@opsloop/aiops';
import {
  GOLDEN_SIGNAL_NAMES,
  notifierConfigSchema,
  slosSchema,
  type GoldenSignalName,
} from '@opsloop/telemetry';
import { serviceNameSchema } from '@opsloop/contracts';
import { FlagDefinitionError, parseFlagDefinitions } from '@opsloop/flags';
import { autoscalingSpecSchema } from '../autoscale/autoscaling-spec.js';
import { checkConfigMapRefs, configMapsSchema, injectRefsSchema } from '../secrets/config-refs.js';
import { impossibleRollout, resolveIntOrPercent } from '../reconcile/plan-rollout.js';
import { parseCpuQuantity, parseMemoryQuantity } from './quantity.js';
import { intOrPercent, strategySchema } from './strategy-schema.js';
import { pipelineSpecSchema, type PipelineSpec } from './pipeline-schema.js';
import {
  backupsSpecSchema,
  budgetSpecSchema,
  scheduleSpecSchema,
  serviceBackupSchema,
} from './operations-schema.js';

export { strategySchema, analysisSchema, type StrategySpec, type AnalysisSpec } from './strategy-schema.js';

const positiveInt = (what: string, min: number, max?: number) => {
  const message = max === undefined ? `expected ${what} ≥ ${min}` : `expected ${what} from ${min} to ${max}`;
  let schema = z.number({ error: message }).int(message).min(min, message);
  if (max !== undefined) schema = schema.max(max, message);
  return schema;
};

/** An HTTP GET probe, with Kubernetes' fields and defaults. */
export const httpProbeSchema = z.strictObject({
  path: z.string().regex(/^\/[^\s]*$/, 'expected an absolute path such as /readyz'),
  initialDelaySeconds: positiveInt('integer', 0).default(0),
  periodSeconds: positiveInt('integer', 1).default(10),
  timeoutSeconds: positiveInt('integer', 1).default(1),
  failureThreshold: positiveInt('integer', 1).default(3),
  successThreshold: positiveInt('integer', 1).default(1),
});

/** A probe's settings. */
export type HttpProbe = z.infer<typeof httpProbeSchema>;

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');
const RESERVED_ENV = [
  'PORT',
  'HOST',
  'OPSLOOP_SERVICE',
  'OPSLOOP_INSTANCE',
  'OPSLOOP_DISCOVERY_URL',
  'OPSLOOP_DISCOVERY_TOKEN',
  'OPSLOOP_BUS_URL',
  'OPSLOOP_BUS_TOKEN',
  'OPSLOOP_FLAGS_URL',
  'OPSLOOP_FLAGS_TOKEN',
  'OPSLOOP_FILES_DIR',
  'OPSLOOP_TLS_DIR',
  'OPSLOOP_RPC_CALLERS',
];

/** Smallest memory limit accepted: below it a Node.js process cannot even start. */
const MIN_MEMORY_LIMIT = 32 * 2 ** 20;

/** Kubernetes-style resources: the memory limit is enforced, the CPU request sizes CPU utilisation. */
export const resourcesSchema = z.strictObject({
  /** Memory limit (`256Mi`, `1Gi`): a replica whose process tree goes over it is killed (OOMKilled). */
  memory: z
    .union([z.string(), z.number()], { error: 'expected a memory quantity such as 256Mi' })
    .transform((value, ctx) => {
      const bytes = parseMemoryQuantity(value);
      if (bytes === undefined || bytes < MIN_MEMORY_LIMIT) {
        ctx.addIssue({
          code: 'custom',
          message:
            bytes === undefined
              ? `expected a memory quantity such as 256Mi or 1Gi (got ${JSON.stringify(value)})`
              : 'expected at least 32Mi',
        });
        return z.NEVER;
      }
      return bytes;
    })
    .optional(),
  /** CPU request (`500m`, `1`): what 100 % CPU utilisation means for autoscaling (default 1 core). */
  cpu: z
    .union([z.string(), z.number()], { error: 'expected a CPU quantity such as 500m' })
    .transform((value, ctx) => {
      const cores = parseCpuQuantity(value);
      if (cores === undefined || cores <= 0) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a CPU quantity such as 500m or 2 (got ${JSON.stringify(value)})`,
        });
        return z.NEVER;
      }
      return cores;
    })
    .optional(),
});

/** One service of the system. */
export const serviceSpecSchema = z
  .strictObject({
    /** Program and arguments; relative paths resolve against `cwd`. */
    command: z
      .array(z.string().min(1), { error: 'expected a list of strings' })
      .min(1, 'expected a program to run'),
    /** Working directory, relative to the spec file. */
    cwd: z.string().min(1).default('.'),
    replicas: positiveInt('integer', 0).default(1),
    /** `auto` gives each replica a free loopback port; a number is allowed only for a single replica. */
    port: z.union([z.literal('auto'), positiveInt('port', 1, 65535)]).default('auto'),
    /** Expose the service to users on a stable loopback port, balanced over its ready replicas (0 = any). */
    expose: z
      .strictObject({
        port: positiveInt('port', 0, 65535),
        /** A second address balanced over a blue-green rollout's preview (new) revision only (0 = any). */
        previewPort: positiveInt('port', 0, 65535).optional(),
      })
      .optional(),
    env: z
      .record(envName, z.union([z.string(), z.number(), z.boolean()]).transform(String))
      .default({})
      .superRefine((env, ctx) => {
        for (const key of Object.keys(env)) {
          if (RESERVED_ENV.includes(key)) {
            ctx.addIssue({ code: 'custom', path: [key], message: `${key} is set by the runtime` });
          }
        }
      }),
    dependsOn: z.array(serviceNameSchema).default([]),
    /**
     * The dependencies (of `dependsOn`) this service works without, degraded: its calls to them have a
     * fallback. Remediation may open the circuit from this service to one of them that fails (its calls
     * then fail fast and the fallback answers); to any other it never does.
     */
    optionalDependencies: z.array(serviceNameSchema).default([]),
    /**
     * Service level objectives: availability, latency (below a histogram bucket bound) or any good/total
     * ratio over a window; the runtime records their error ratios and raises the SRE workbook's multi-window
     * burn-rate alerts (docs/observability.md).
     */
    slos: slosSchema.default([]),
    /**
     * Secrets (from the encrypted store) and config maps (from `configMaps:`) given to replicas as env vars or
     * files under `$OPSLOOP_FILES_DIR` (Kubernetes' env `valueFrom`, `envFrom` and volume mounts).
     */
    inject: injectRefsSchema,
    /** Memory limit (bytes once parsed) and CPU request (cores once parsed). */
    resources: resourcesSchema.default({}),
    strategy: strategySchema,
    /**
     * Kubernetes' HorizontalPodAutoscaler (autoscaling/v2 semantics) on CPU, requests/s per replica or p95
     * latency, read from each replica's /metrics; `mode: predictive` also forecasts the request rate.
     * `replicas` is then the starting count.
     */
    autoscaling: autoscalingSpecSchema.optional(),
    /** Kubernetes' PodDisruptionBudget: ready replicas a rollout never goes below. */
    disruptionBudget: z.strictObject({ minAvailable: intOrPercent }).optional(),
    probes: z
      .strictObject({
        /** Kubernetes' startupProbe: holds liveness and readiness back until it first succeeds. */
        startup: httpProbeSchema.optional(),
        liveness: httpProbeSchema.optional(),
        readiness: httpProbeSchema.optional(),
      })
      .default({}),
    restartPolicy: z
      .strictObject({
        backoff: z
          .strictObject({
            initialSeconds: z
              .number({ error: 'expected seconds' })
              .positive('expected seconds > 0')
              .default(10),
            maxSeconds: z.number({ error: 'expected seconds' }).positive('expected seconds > 0').default(300),
            resetAfterSeconds: z
              .number({ error: 'expected seconds' })
              .positive('expected seconds > 0')
              .default(600),
          })
          // RestartBackoff refuses max < initial: catch it here, where the message can name the field.
          .refine((b) => b.maxSeconds >= b.initialSeconds, {
            path: ['maxSeconds'],
            message: 'expected maxSeconds ≥ initialSeconds',
          })
          .default({ initialSeconds: 10, maxSeconds: 300, resetAfterSeconds: 600 }),
      })
      .default({ backoff: { initialSeconds: 10, maxSeconds: 300, resetAfterSeconds: 600 } }),
    terminationGracePeriodSeconds: z
      .number({ error: 'expected seconds' })
      .min(0, 'expected seconds ≥ 0')
      .default(30),
    /**
     * Seconds a stopping replica keeps serving after it left discovery, before SIGTERM, so clients that
     * picked it just before finish (Kubernetes: a `preStop` sleep). Part of zero-downtime rollouts.
     */
    drainSeconds: z.number({ error: 'expected seconds' }).min(0, 'expected seconds ≥ 0').max(300).default(0),
    /** What `opsloop backup` copies of the service's data, and how (docs/operations.md). */
    backup: serviceBackupSchema.optional(),
  })
  .superRefine((service, ctx) => {
    const why = impossibleRollout(rolloutBounds(service, service.replicas));
    if (why !== undefined) ctx.addIssue({ code: 'custom', path: ['strategy'], message: why });
    if (service.autoscaling !== undefined && service.port !== 'auto' && service.autoscaling.maxReplicas > 1)
      ctx.addIssue({
        code: 'custom',
        path: ['autoscaling', 'maxReplicas'],
        message: 'a fixed port allows at most 1 replica; use port "auto" to autoscale',
      });
    if (service.port !== 'auto' && service.replicas > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['port'],
        message: 'a fixed port allows at most 1 replica; use "auto" and expose.port for a stable address',
      });
    }
  });

/** The rolling-update bounds of a service at a replica count, resolved to counts (Kubernetes' rounding). */
export function rolloutBounds(
  service: Pick<z.infer<typeof serviceSpecSchema>, 'strategy' | 'disruptionBudget'>,
  replicas: number,
): { replicas: number; maxSurge: number; maxUnavailable: number; minAvailable: number } {
  // Blue-green and canary bring up the new revision beside the old one (a surge of up to 100 %) and never
  // take stable replicas away before the switch.
  const { maxSurge, maxUnavailable } =
    service.strategy.type === 'RollingUpdate'
      ? service.strategy.rollingUpdate
      : { maxSurge: '100%', maxUnavailable: 0 };
  return {
    replicas,
    maxSurge: Math.max(
      resolveIntOrPercent(maxSurge, replicas, 'up'),
      service.strategy.type === 'RollingUpdate' ? 0 : 1,
    ),
    maxUnavailable: resolveIntOrPercent(maxUnavailable, replicas, 'down'),
    minAvailable:
      service.disruptionBudget === undefined
        ? 0
        : resolveIntOrPercent(service.disruptionBudget.minAvailable, replicas, 'up'),
  };
}

/** One service's desired state. */
export type ServiceSpec = z.infer<typeof serviceSpecSchema>;

const TELEMETRY_DEFAULTS = {
  enabled: true,
  scrapeIntervalSeconds: 5,
  retention: { metricsHours: 360, logsHours: 168, tracesHours: 72 },
};

const telemetrySpecSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Seconds between two scrapes of a replica (Prometheus's scrape_interval). */
    scrapeIntervalSeconds: positiveInt('seconds', 1, 3600).default(5),
    retention: z
      .strictObject({
        metricsHours: positiveInt('hours', 1, 24 * 3650).default(360),
        logsHours: positiveInt('hours', 1, 24 * 3650).default(168),
        tracesHours: positiveInt('hours', 1, 24 * 3650).default(72),
      })
      .default(TELEMETRY_DEFAULTS.retention),
    /**
     * Where alerts go: Alertmanager's routing tree (grouping, timers, inhibition) to webhook receivers that get
     * Alertmanager's webhook payload. Without it alerts are only listed (`opsloop alerts`).
     */
    notifications: notifierConfigSchema.optional(),
  })
  .default(TELEMETRY_DEFAULTS);

/** The detectors live detection can run, by name. */
const DETECTOR_NAMES = DETECTORS.map((d) => d.name) as [string, ...string[]];

const DETECTION_DEFAULTS = {
  enabled: true,
  detector: DEFAULT_DETECTOR,
  intervalSeconds: 15,
  threshold: 0.84,
  warmupPoints: 240,
  signals: [...DEFAULT_LIVE_SIGNALS],
};

const INCIDENT_DEFAULTS = { enabled: true, diagnoseAfterSeconds: 5, startupGraceSeconds: 120 };

const REMEDIATION_DEFAULTS = {
  mode: 'suggest' as const,
  maxActionsPerHourPerService: 3,
  proposalTimeoutSeconds: 900,
};

/** Live anomaly detection on every service's golden signals (docs/aiops.md, "Live detection"). */
const aiopsSpecSchema = z
  .strictObject({
    detection: z
      .strictObject({
        /** Off with the telemetry backend too (it reads the embedded store). */
        enabled: z.boolean().default(true),
        /**
         * The streaming detector every series runs (one of `opsloop detect --detector`'s): the `opsloop` ensemble scores
         * best on NAB but learns for about 150 points in live mode; a simpler one (`windowed-gaussian`,
         * `holt-winters`) speaks sooner and more often. Canary analysis by the detectors uses the same one.
         */
        detector: z
          .enum(DETECTOR_NAMES, { error: `expected one of ${DETECTOR_NAMES.join(', ')}` })
          .default(DEFAULT_DETECTOR),
        /** Seconds between two evaluations of every signal. */
        intervalSeconds: positiveInt('seconds', 1, 3600).default(15),
        /** Score at or above which a point out of its expected band opens an anomaly (NAB live-mode threshold). */
        threshold: z
          .number({ error: 'expected a score from 0 to 1' })
          .min(0, 'expected a score from 0 to 1')
          .max(1, 'expected a score from 0 to 1')
          .default(0.84),
        /** Points each series is scored on before its anomalies are reported (its detector learns). */
        warmupPoints: positiveInt('points', 0, 100_000).default(240),
        /** Which golden signals are watched, for every service. */
        signals: z
          .array(
            z.enum(GOLDEN_SIGNAL_NAMES as [GoldenSignalName, ...GoldenSignalName[]], {
              error: `expected one of ${GOLDEN_SIGNAL_NAMES.join(', ')}`,
            }),
          )
          .min(1, 'expected at least one signal')
          .default(DETECTION_DEFAULTS.signals),
      })
      .default(DETECTION_DEFAULTS),
    /**
     * Log intelligence: every replica's output mined into templates (`log_template_events_total`, `opsloop logs
     * templates`), never-seen warning templates and error bursts reported.
     */
    logs: z.strictObject({ enabled: z.boolean().default(true) }).default({ enabled: true }),
    /**
     * Incidents: anomalies, log events and alerts correlated (time, service graph, trace ids) with the changes
     * before them, and their root causes ranked (docs/aiops.md, "Incidents and root cause").
     */
    incidents: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** Seconds an incident gathers symptoms before its first diagnosis (knock-on effects arrive later). */
        diagnoseAfterSeconds: positiveInt('seconds', 0, 600).default(INCIDENT_DEFAULTS.diagnoseAfterSeconds),
        /**
         * Seconds after the runtime starts in which symptoms open no incident: replicas coming up, caches and
         * connections warming are the start, not a fault (changes are still recorded).
         */
        startupGraceSeconds: positiveInt('seconds', 0, 3600).default(INCIDENT_DEFAULTS.startupGraceSeconds),
      })
      .default(INCIDENT_DEFAULTS),
    /**
     * Guarded remediation of diagnosed incidents: `off` (say what would be done), `suggest` (a person
     * approves: `opsloop incidents approve`), `auto`. Each action is verified (the incident's signals back in
     * their usual band) or undone and escalated (docs/aiops.md, "Remediation").
     */
    remediation: z
      .strictObject({
        mode: z
          .enum(['off', 'suggest', 'auto'], { error: 'expected off, suggest or auto' })
          .default(REMEDIATION_DEFAULTS.mode),
        /** Actions per service in any hour; more are refused and the incident escalated. */
        maxActionsPerHourPerService: positiveInt('actions', 1, 100).default(
          REMEDIATION_DEFAULTS.maxActionsPerHourPerService,
        ),
        /** Seconds a proposal waits for approval before the incident is escalated. */
        proposalTimeoutSeconds: positiveInt('seconds', 10, 86_400).default(
          REMEDIATION_DEFAULTS.proposalTimeoutSeconds,
        ),
        /** Policies (first match wins) replacing the defaults; see docs/aiops.md for their fields. */
        policies: z.array(z.unknown()).optional(),
      })
      .default(REMEDIATION_DEFAULTS),
  })
  .default({
    detection: DETECTION_DEFAULTS,
    logs: { enabled: true },
    incidents: INCIDENT_DEFAULTS,
    remediation: REMEDIATION_DEFAULTS,
  });

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const dnsLabel = (what: string) =>
  z.string({ error: `expected ${what}` }).regex(DNS_LABEL, `expected ${what}: a DNS label (a-z, 0-9, -)`);
// RFC 1123 host name, as an Ingress rule's `host` takes it (no wildcard, no port, lowercase).
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;
// Docker's tag grammar; `latest` is refused because a GitOps rollback must name a fixed image.
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/**
 * One deployment environment (`dev`, `prod-eu-west-1`): what differs from the services' own settings when
 * the spec is rendered for Kubernetes (`opsloop render k8s --env <name>`). The local runtime ignores it.
 */
export const environmentSpecSchema = z.strictObject({
  /** Namespace of every object; the system's name by default. */
  namespace: dnsLabel('a namespace').optional(),
  /** Cloud region (`eu-west-1`): the `opsloop.dev/region` label. */
  region: dnsLabel('a region such as eu-west-1').optional(),
  /** Public host of the exposed (entry) service: an Ingress is rendered for it. */
  host: z
    .string({ error: 'expected a host name' })
    .regex(HOST_NAME, 'expected a lowercase host name such as shop.example.com')
    .optional(),
  /** Image tag of every service in this environment; the render's `--image-tag` by default. */
  imageTag: z
    .string({ error: 'expected an image tag' })
    .regex(IMAGE_TAG, 'expected an image tag such as 1.4.2')
    .refine((tag) => tag.toLowerCase() !== 'latest', 'latest is refused: pin a version or commit')
    .optional(),
  /** Replicas per service, instead of the service's `replicas`. */
  replicas: z.record(serviceNameSchema, positiveInt('integer', 0)).optional(),
  /** Resources per service, field by field over the service's `resources`. */
  resources: z.record(serviceNameSchema, resourcesSchema).optional(),
  /** Extra labels on every object (and pod) of the environment. */
  labels: z
    .record(
      z.string().regex(LABEL_KEY, 'expected a label key such as team or example.com/team'),
      z
        .string({ error: 'expected a string' })
        .regex(LABEL_VALUE, 'expected a label value (≤ 63 of A-Z, a-z, 0-9, -, _, .)'),
    )
    .optional(),
  /** Scheduled scaling in this environment (KEDA cron triggers on Kubernetes). */
  schedule: scheduleSpecSchema.optional(),
  /** The environment's monthly compute budget, forecast and alerted on (`opsloop budget`, a PrometheusRule). */
  budget: budgetSpecSchema.optional(),
});

/** One deployment environment of the spec. */
export type EnvironmentSpec = z.infer<typeof environmentSpecSchema>;

/** The desired state of a whole system (`opsloop.yaml`). */
export const systemSpecSchema = z
  .strictObject({
    apiVersion: z.literal('opsloop.dev/v1alpha1', { error: 'expected "opsloop.dev/v1alpha1"' }),
    kind: z.literal('System', { error: 'expected "System"' }),
    metadata: z.strictObject({ name: serviceNameSchema }),
    runtime: z
      .strictObject({
        /** Loopback port of the control API (0 = any free port). */
        controlPort: positiveInt('port', 0, 65535).default(0),
        /** `embedded`: the runtime hosts a durable event broker and tells replicas where it is; `off`: it does not. */
        bus: z.enum(['embedded', 'off'], { error: 'expected "embedded" or "off"' }).default('embedded'),
        /**
         * Service identity: the runtime is a local CA; each replica gets a short-lived certificate naming its
         * service (in `$OPSLOOP_TLS_DIR`, renewed at half-life without a restart) and internal gRPC is mutual
         * TLS, accepting only the callers that `dependsOn` allows. `enabled: false` (or `opsloop up
         * --no-mtls`) turns it off for debugging: cleartext gRPC, no caller policy.
         */
        mtls: z
          .strictObject({
            enabled: z.boolean().default(true),
            certTtlSeconds: positiveInt('seconds', 10, 86_400).default(3600),
          })
          .default({ enabled: true, certTtlSeconds: 3600 }),
        /**
         * The embedded telemetry backend: scrapes every ready replica's `/metrics`, keeps their logs and the
         * traces they export over OTLP, and answers Prometheus's, Loki's and trace queries on the control API
         * (docs/observability.md). Retention is per signal, in hours.
         */
        telemetry: telemetrySpecSchema,
        /**
         * The AIOps layer on the embedded telemetry: live anomaly detection on every service's golden signals
         * (events at `GET /v1/anomalies`, `opsloop anomalies`, alerts to the notifier), log mining, incidents
         * and guarded remediation (`opsloop incidents`).
         */
        aiops: aiopsSpecSchema,
        /**
         * The web dashboard (topology, golden signals, anomalies, incidents, rollouts, flags) served by the
         * control API at `/`; it signs in with a control API token (`opsloop dashboard` prints a link).
         */
        dashboard: z.strictObject({ enabled: z.boolean().default(true) }).default({ enabled: true }),
        /**
         * Scheduled scaling of this runtime's services: outside the uptime windows they run
         * `downtimeReplicas` (docs/operations.md).
         */
        schedule: scheduleSpecSchema.optional(),
        /** A monthly budget for what this runtime's replicas would cost at the given prices, alerted on. */
        budget: budgetSpecSchema.optional(),
        /** Scheduled backups of every service with `backup:` (`opsloop backup`). */
        backups: backupsSpecSchema,
      })
      .default({
        controlPort: 0,
        bus: 'embedded',
        mtls: { enabled: true, certTtlSeconds: 3600 },
        telemetry: TELEMETRY_DEFAULTS,
        aiops: {
          detection: DETECTION_DEFAULTS,
          logs: { enabled: true },
          incidents: INCIDENT_DEFAULTS,
          remediation: REMEDIATION_DEFAULTS,
        },
        dashboard: { enabled: true },
        backups: backupsSpecSchema.parse(undefined),
      }),
    services: z
      .record(serviceNameSchema, serviceSpecSchema)
      .refine((services) => Object.keys(services).length > 0, 'expected at least one service'),
    /**
     * Feature flags as a flagd document (`{"flags": {...}, "$evaluators"?: {...}}`), served by the runtime to
     * services (OpenFeature) and changed with `opsloop flags set`. Or `flagsFile`: such a document in a JSON
     * file, relative to the spec.
     */
    flags: z.record(z.string(), z.unknown()).optional(),
    flagsFile: z.string().min(1).optional(),
    /** Non-secret settings services read through `inject` (Kubernetes' ConfigMaps). */
    configMaps: configMapsSchema,
    /**
     * Services released together: when an apply changes several of them, they roll out one at a time in
     * dependency order, and if one fails every one already moved is rolled back (see docs/runtime.md).
     */
    releaseGroups: z
      .record(
        serviceNameSchema,
        z.strictObject({
          services: z.array(serviceNameSchema).min(2, 'expected at least two services'),
          /** A member whose rollout has not finished this long after it began fails the release. */
          progressDeadlineSeconds: positiveInt('seconds', 10, 86_400).default(600),
        }),
      )
      .default({}),
    /**
     * Deployment environments (Kubernetes, and the local ones of `opsloop pipeline run`; `opsloop up` ignores
     * them): per environment its
     * namespace, region, public host, image tag, and replicas, resources and labels that differ.
     */
    environments: z.record(dnsLabel('an environment name'), environmentSpecSchema).optional(),
    /** What `opsloop pipeline run` does (the runtime ignores it). */
    pipeline: pipelineSpecSchema.optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.flags !== undefined && spec.flagsFile !== undefined)
      ctx.addIssue({ code: 'custom', path: ['flagsFile'], message: 'give flags or flagsFile, not both' });
    if (spec.flags !== undefined) {
      try {
        parseFlagDefinitions(spec.flags);
      } catch (error) {
        if (!(error instanceof FlagDefinitionError)) throw error;
        for (const issue of error.issues)
          ctx.addIssue({
            code: 'custom',
            path: ['flags', ...(issue.path === '(root)' ? [] : issue.path.split('.'))],
            message: issue.message,
          });
      }
    }
    const names = new Set(Object.keys(spec.services));
    for (const [name, service] of Object.entries(spec.services)) {
      for (const issue of checkConfigMapRefs(service.inject, spec.configMaps))
        ctx.addIssue({
          code: 'custom',
          path: ['services', name, 'inject', ...issue.path],
          message: issue.message,
        });
      service.inject.forEach((ref, i) => {
        if (ref.env === undefined) return;
        if (RESERVED_ENV.includes(ref.env) || ref.env in service.env)
          ctx.addIssue({
            code: 'custom',
            path: ['services', name, 'inject', i, 'env'],
            message: RESERVED_ENV.includes(ref.env)
              ? `${ref.env} is set by the runtime`
              : `${ref.env} is also set in env; set it in one place`,
          });
      });
      service.optionalDependencies.forEach((dep, i) => {
        if (!service.dependsOn.includes(dep))
          ctx.addIssue({
            code: 'custom',
            path: ['services', name, 'optionalDependencies', i],
            message: `"${dep}" is not in dependsOn`,
          });
      });
      service.dependsOn.forEach((dep, i) => {
        if (!names.has(dep)) {
          ctx.addIssue({
            code: 'custom',
            path: ['services', name, 'dependsOn', i],
            message: `unknown service "${dep}"`,
          });
        } else if (dep === name) {
          ctx.addIssue({
            code: 'custom',
            path: ['services', name, 'dependsOn', i],
            message: 'a service cannot depend on itself',
          });
        }
      });
    }
    const groupOf = new Map<string, string>();
    for (const [group, release] of Object.entries(spec.releaseGroups)) {
      release.services.forEach((service, i) => {
        const path = ['releaseGroups', group, 'services', i];
        if (!names.has(service))
          ctx.addIssue({ code: 'custom', path, message: `unknown service "${service}"` });
        else if (groupOf.has(service))
          ctx.addIssue({
            code: 'custom',
            path,
            message: `${service} is already in release group ${groupOf.get(service)}; a service belongs to one group`,
          });
        else groupOf.set(service, group);
      });
    }
    for (const [env, environment] of Object.entries(spec.environments ?? {})) {
      for (const field of ['replicas', 'resources'] as const)
        for (const service of Object.keys(environment[field] ?? {})) {
          const path = ['environments', env, field, service];
          if (!names.has(service))
            ctx.addIssue({ code: 'custom', path, message: `unknown service "${service}"` });
          else if (field === 'replicas' && spec.services[service]?.autoscaling !== undefined)
            ctx.addIssue({
              code: 'custom',
              path,
              message: `${service} is autoscaled: set its autoscaling bounds, not replicas`,
            });
        }
    }
    const checkExcluded = (exclude: string[] | undefined, path: (string | number)[]) =>
      exclude?.forEach((service, i) => {
        if (!names.has(service))
          ctx.addIssue({ code: 'custom', path: [...path, i], message: `unknown service "${service}"` });
      });
    checkExcluded(spec.runtime.schedule?.exclude, ['runtime', 'schedule', 'exclude']);
    for (const [env, environment] of Object.entries(spec.environments ?? {}))
      checkExcluded(environment.schedule?.exclude, ['environments', env, 'schedule', 'exclude']);
    if (spec.pipeline !== undefined) checkPipeline(spec, ctx);
    const cycle = findCycle(spec.services);
    if (cycle)
      ctx.addIssue({ code: 'custom', path: ['services'], message: `dependency cycle: ${cycle.join(' → ')}` });
  });

/** A validated `opsloop.yaml`. */
export type SystemSpec = z.infer<typeof systemSpecSchema>;

function checkPipeline(
  spec: {
    services: Record<string, { expose?: unknown }>;
    environments?: Record<string, unknown> | undefined;
    pipeline?: PipelineSpec | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  const pipeline = spec.pipeline!;
  const environments = Object.keys(spec.environments ?? {});
  for (const field of ['staging', 'production'] as const)
    if (!environments.includes(pipeline[field]))
      ctx.addIssue({
        code: 'custom',
        path: ['pipeline', field],
        message: `unknown environment "${pipeline[field]}" (environments: ${environments.join(', ') || 'none'})`,
      });
  if (pipeline.staging === pipeline.production)
    ctx.addIssue({
      code: 'custom',
      path: ['pipeline', 'production'],
      message: 'expected an environment other than staging',
    });
  pipeline.smoke.forEach((check, i) => {
    const service = spec.services[check.service];
    if (service === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['pipeline', 'smoke', i, 'service'],
        message: `unknown service "${check.service}"`,
      });
    else if (service.expose === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['pipeline', 'smoke', i, 'service'],
        message: `${check.service} is not exposed: smoke checks reach services through expose`,
      });
  });
}

function findCycle(services: Record<string, { dependsOn: string[] }>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of services[name]?.dependsOn ?? []) {
      if (dep === name || !(dep in services)) continue;
      const found = visit(dep);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(services)) {
    const found = visit(name);
    if (found) return found;
  }
  return undefined;
}

/** Service names in an order where every service comes after the ones it depends on. */
export function startOrder(spec: SystemSpec): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const dep of spec.services[name]?.dependsOn ?? []) visit(dep);
    order.push(name);
  };
  for (const name of Object.keys(spec.services)) visit(name);
  return order;
}
