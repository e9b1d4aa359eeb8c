import { z } from 'zod';

/*
 * The custom resources the renderer emits have no kubernetes-models class: these schemas check what their
 * projects document as required or constrained (Argo Rollouts v1.7 rollout and analysis specs, External
 * Secrets v0.9+ external-secrets.io/v1beta1, KEDA 2.x ScaledObject, Argo CD 2.x Application and AppProject). They are not complete CRD schemas:
 * fields not listed here pass.
 */

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Go's time.ParseDuration as Argo and External Secrets accept it (`30s`, `1h`, `1m30s`). */
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

const name = z.string().max(253).regex(DNS_SUBDOMAIN, 'expected a DNS subdomain name');
const metadata = z.object({
  name,
  namespace: z.string().max(63).regex(DNS_LABEL, 'expected a DNS label').optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
const count = z.number().int('expected an integer').min(0, 'expected ≥ 0');
const duration = z.string().regex(DURATION, 'expected a duration such as 30s or 1h');
const selector = z.object({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z.array(z.object({ key: z.string(), operator: z.string() })).optional(),
});

const exactlyOne = (keys: readonly string[], what: string) => (value: object) =>
  keys.filter((key) => (value as Record<string, unknown>)[key] !== undefined).length === 1 ||
  `expected exactly one of ${keys.join(', ')} in ${what}`;

const refineExactlyOne = (keys: readonly string[], what: string) => (value: object, ctx: z.RefinementCtx) => {
  const verdict = exactlyOne(keys, what)(value);
  if (verdict !== true) ctx.addIssue({ code: 'custom', message: verdict });
};

const analysisArg = z.object({
  name: z.string().min(1),
  value: z.string().optional(),
  valueFrom: z
    .object({
      podTemplateHashValue: z.enum(['Stable', 'Latest']).optional(),
      fieldRef: z.object({ fieldPath: z.string() }).optional(),
    })
    .optional(),
});

const rolloutAnalysis = z.object({
  templates: z
    .array(z.object({ templateName: z.string().min(1), clusterScope: z.boolean().optional() }))
    .min(1),
  args: z.array(analysisArg).optional(),
});

const canaryStep = z
  .object({
    setWeight: z
      .number()
      .int()
      .min(0, 'expected a weight from 0 to 100')
      .max(100, 'expected a weight from 0 to 100')
      .optional(),
    pause: z.object({ duration: z.union([duration, count]).optional() }).optional(),
    analysis: rolloutAnalysis.optional(),
    experiment: z.unknown().optional(),
    setCanaryScale: z.unknown().optional(),
  })
  .superRefine(
    refineExactlyOne(['setWeight', 'pause', 'analysis', 'experiment', 'setCanaryScale'], 'a step'),
  );

/** argoproj.io/v1alpha1 Rollout. */
export const rolloutSchema = z.object({
  apiVersion: z.literal('argoproj.io/v1alpha1'),
  kind: z.literal('Rollout'),
  metadata,
  spec: z
    .object({
      replicas: count.optional(),
      revisionHistoryLimit: count.optional(),
      selector,
      workloadRef: z
        .object({
          apiVersion: z.string().min(1),
          kind: z.string().min(1),
          name,
          scaleDown: z.enum(['never', 'onsuccess', 'progressively']).optional(),
        })
        .optional(),
      template: z.looseObject({}).optional(),
      strategy: z
        .object({
          canary: z
            .object({
              steps: z.array(canaryStep).optional(),
              canaryService: z.string().optional(),
              stableService: z.string().optional(),
            })
            .optional(),
          blueGreen: z
            .object({
              activeService: z.string().min(1, 'required'),
              previewService: z.string().optional(),
              autoPromotionEnabled: z.boolean().optional(),
              autoPromotionSeconds: count.optional(),
              scaleDownDelaySeconds: count.optional(),
              prePromotionAnalysis: rolloutAnalysis.optional(),
              postPromotionAnalysis: rolloutAnalysis.optional(),
            })
            .optional(),
        })
        .superRefine(refineExactlyOne(['canary', 'blueGreen'], 'strategy')),
    })
    .superRefine(refineExactlyOne(['workloadRef', 'template'], 'spec')),
});

const metric = z.object({
  name: z.string().min(1),
  interval: duration.optional(),
  initialDelay: duration.optional(),
  count: count.optional(),
  failureLimit: count.optional(),
  inconclusiveLimit: count.optional(),
  successCondition: z.string().min(1).optional(),
  failureCondition: z.string().min(1).optional(),
  provider: z
    .object({
      prometheus: z.object({ address: z.url('expected a URL'), query: z.string().min(1) }).optional(),
      web: z.unknown().optional(),
      job: z.unknown().optional(),
      datadog: z.unknown().optional(),
    })
    .superRefine(refineExactlyOne(['prometheus', 'web', 'job', 'datadog'], 'provider')),
});

/** argoproj.io/v1alpha1 AnalysisTemplate. */
export const analysisTemplateSchema = z.object({
  apiVersion: z.literal('argoproj.io/v1alpha1'),
  kind: z.literal('AnalysisTemplate'),
  metadata,
  spec: z
    .object({
      args: z.array(analysisArg).optional(),
      metrics: z.array(metric).min(1, 'expected at least one metric'),
    })
    .superRefine((spec, ctx) => {
      const names = spec.metrics.map((m) => m.name);
      if (new Set(names).size !== names.length)
        ctx.addIssue({ code: 'custom', path: ['metrics'], message: 'metric names must be unique' });
    }),
});

/** external-secrets.io/v1beta1 ExternalSecret. */
export const externalSecretSchema = z.object({
  apiVersion: z.literal('external-secrets.io/v1beta1'),
  kind: z.literal('ExternalSecret'),
  metadata,
  spec: z
    .object({
      refreshInterval: duration.optional(),
      secretStoreRef: z.object({
        name: z.string().min(1),
        kind: z.enum(['SecretStore', 'ClusterSecretStore']).optional(),
      }),
      target: z
        .object({
          name: name.optional(),
          creationPolicy: z.enum(['Owner', 'Orphan', 'Merge', 'None']).optional(),
        })
        .optional(),
      data: z
        .array(
          z.object({
            secretKey: z.string().min(1),
            remoteRef: z.object({ key: z.string().min(1), property: z.string().optional() }),
          }),
        )
        .optional(),
      dataFrom: z
        .array(
          z
            .object({
              extract: z.object({ key: z.string().min(1) }).optional(),
              find: z.unknown().optional(),
            })
            .superRefine(refineExactlyOne(['extract', 'find'], 'dataFrom')),
        )
        .optional(),
    })
    .superRefine((spec, ctx) => {
      if ((spec.data?.length ?? 0) + (spec.dataFrom?.length ?? 0) === 0)
        ctx.addIssue({ code: 'custom', message: 'expected data or dataFrom' });
    }),
});

/** keda.sh/v1alpha1 ScaledObject. */
export const scaledObjectSchema = z.object({
  apiVersion: z.literal('keda.sh/v1alpha1'),
  kind: z.literal('ScaledObject'),
  metadata,
  spec: z
    .object({
      scaleTargetRef: z.object({
        name: z.string().min(1),
        apiVersion: z.string().optional(),
        kind: z.string().optional(),
      }),
      minReplicaCount: count.optional(),
      maxReplicaCount: count.optional(),
      pollingInterval: count.optional(),
      triggers: z
        .array(
          z.object({
            type: z.string().min(1),
            metadata: z.record(z.string(), z.string(), { error: 'expected string values' }),
            metricType: z.enum(['AverageValue', 'Value', 'Utilization']).optional(),
          }),
        )
        .min(1, 'expected at least one trigger'),
    })
    .superRefine((spec, ctx) => {
      if (
        spec.minReplicaCount !== undefined &&
        spec.maxReplicaCount !== undefined &&
        spec.minReplicaCount > spec.maxReplicaCount
      )
        ctx.addIssue({
          code: 'custom',
          path: ['maxReplicaCount'],
          message: 'expected maxReplicaCount ≥ minReplicaCount',
        });
    }),
});

const syncOptions = z.array(z.string().regex(/^[A-Za-z]+=[A-Za-z0-9]+$/, 'expected Option=value')).optional();

/** argoproj.io/v1alpha1 Application (Argo CD 2.x): one source, a destination, an optional sync policy. */
export const applicationSchema = z.object({
  apiVersion: z.literal('argoproj.io/v1alpha1'),
  kind: z.literal('Application'),
  metadata,
  spec: z.object({
    project: z.string().min(1, 'required'),
    source: z.object({
      repoURL: z.string().min(1, 'required'),
      path: z.string().min(1).optional(),
      targetRevision: z.string().min(1).optional(),
    }),
    destination: z
      .object({
        server: z.url('expected a URL').optional(),
        name: z.string().min(1).optional(),
        namespace: z.string().max(63).regex(DNS_LABEL, 'expected a DNS label').optional(),
      })
      .superRefine(refineExactlyOne(['server', 'name'], 'destination')),
    syncPolicy: z
      .object({
        automated: z
          .object({
            prune: z.boolean().optional(),
            selfHeal: z.boolean().optional(),
            allowEmpty: z.boolean().optional(),
          })
          .optional(),
        syncOptions,
        retry: z
          .object({
            limit: z.number().int().optional(),
            backoff: z
              .object({
                duration: duration.optional(),
                factor: z.number().int().min(1).optional(),
                maxDuration: duration.optional(),
              })
              .optional(),
          })
          .optional(),
      })
      .optional(),
    revisionHistoryLimit: count.optional(),
  }),
});

const groupKind = z.object({ group: z.string(), kind: z.string().min(1) });

/** argoproj.io/v1alpha1 AppProject (Argo CD 2.x): where its Applications may come from and deploy to. */
export const appProjectSchema = z.object({
  apiVersion: z.literal('argoproj.io/v1alpha1'),
  kind: z.literal('AppProject'),
  metadata,
  spec: z.object({
    description: z.string().optional(),
    sourceRepos: z.array(z.string().min(1)).min(1, 'expected at least one repository'),
    destinations: z
      .array(
        z.object({
          server: z.string().min(1).optional(),
          name: z.string().min(1).optional(),
          namespace: z.string().min(1),
        }),
      )
      .min(1, 'expected at least one destination'),
    clusterResourceWhitelist: z.array(groupKind).optional(),
    namespaceResourceWhitelist: z.array(groupKind).optional(),
  }),
});

/** A Rollout as the renderer writes it. */
export type RolloutObject = z.input<typeof rolloutSchema>;
/** An AnalysisTemplate as the renderer writes it. */
export type AnalysisTemplateObject = z.input<typeof analysisTemplateSchema>;
/** An ExternalSecret as the renderer writes it. */
export type ExternalSecretObject = z.input<typeof externalSecretSchema>;
/** A ScaledObject as the renderer writes it. */
export type ScaledObjectObject = z.input<typeof scaledObjectSchema>;

/** An Argo CD Application as the renderer writes it. */
export type ApplicationObject = z.input<typeof applicationSchema>;
/** An Argo CD AppProject as the renderer writes it. */
export type AppProjectObject = z.input<typeof appProjectSchema>;

/** Gatekeeper's CRD kind names: CamelCase, as `spec.crd.spec.names.kind` of a ConstraintTemplate. */
const CONSTRAINT_KIND = /^[A-Z][A-Za-z0-9]*$/;

/**
 * templates.gatekeeper.sh/v1 ConstraintTemplate (Gatekeeper 3.x): the template's name must be its CRD kind in
 * lowercase, and each target carries Rego for `admission.k8s.gatekeeper.sh`.
 */
export const constraintTemplateSchema = z
  .object({
    apiVersion: z.literal('templates.gatekeeper.sh/v1'),
    kind: z.literal('ConstraintTemplate'),
    metadata,
    spec: z.object({
      crd: z.object({
        spec: z.object({
          names: z.object({ kind: z.string().regex(CONSTRAINT_KIND, 'expected a CamelCase kind') }),
          validation: z
            .object({ openAPIV3Schema: z.looseObject({ type: z.literal('object').optional() }) })
            .optional(),
        }),
      }),
      targets: z
        .array(
          z.object({
            target: z.literal('admission.k8s.gatekeeper.sh'),
            rego: z.string().min(1, 'required'),
            libs: z.array(z.string()).optional(),
          }),
        )
        .length(1, 'expected exactly one target'),
    }),
  })
  .superRefine((template, ctx) => {
    if (template.metadata.name !== template.spec.crd.spec.names.kind.toLowerCase())
      ctx.addIssue({
        code: 'custom',
        path: ['metadata', 'name'],
        message: 'expected the lowercase of spec.crd.spec.names.kind',
      });
  });

const matchKinds = z.object({
  apiGroups: z.array(z.string()).min(1),
  kinds: z.array(z.string().min(1)).min(1),
});

/** constraints.gatekeeper.sh/v1beta1 constraint: any kind a ConstraintTemplate defines. */
export const constraintSchema = z.object({
  apiVersion: z.literal('constraints.gatekeeper.sh/v1beta1'),
  kind: z.string().regex(CONSTRAINT_KIND, 'expected a CamelCase kind'),
  metadata,
  spec: z.object({
    enforcementAction: z.enum(['deny', 'dryrun', 'warn']).optional(),
    match: z
      .object({
        kinds: z.array(matchKinds).min(1).optional(),
        namespaces: z.array(z.string()).optional(),
        excludedNamespaces: z.array(z.string()).optional(),
        scope: z.enum(['*', 'Cluster', 'Namespaced']).optional(),
        labelSelector: selector.optional(),
        namespaceSelector: selector.optional(),
      })
      .optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** Prometheus Operator's duration (`30s`, `1h`, `1h30m`): its CRD's pattern. */
const PROMETHEUS_DURATION = /^(0|(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?)$/;
const promDuration = z
  .string()
  .regex(PROMETHEUS_DURATION, 'expected a Prometheus duration such as 1m or 1h')
  .refine((text) => text !== '', 'expected a Prometheus duration such as 1m or 1h');

const prometheusRuleEntry = z
  .object({
    record: z.string().min(1).optional(),
    alert: z.string().min(1).optional(),
    expr: z.union([z.string().min(1, 'required'), z.number().int()]),
    for: promDuration.optional(),
    keep_firing_for: promDuration.optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .superRefine(refineExactlyOne(['record', 'alert'], 'a rule'));

/** monitoring.coreos.com/v1 PrometheusRule (Prometheus Operator 0.5x+). */
export const prometheusRuleSchema = z.object({
  apiVersion: z.literal('monitoring.coreos.com/v1'),
  kind: z.literal('PrometheusRule'),
  metadata,
  spec: z.object({
    groups: z
      .array(
        z.object({
          name: z.string().min(1, 'required'),
          interval: promDuration.optional(),
          rules: z.array(prometheusRuleEntry),
        }),
      )
      .optional(),
  }),
});

/** The CRD schemas by `apiVersion kind`. */
export const CRD_SCHEMAS: Readonly<Record<string, z.ZodType>> = Object.freeze({
  'argoproj.io/v1alpha1 Rollout': rolloutSchema,
  'argoproj.io/v1alpha1 AnalysisTemplate': analysisTemplateSchema,
  'external-secrets.io/v1beta1 ExternalSecret': externalSecretSchema,
  'keda.sh/v1alpha1 ScaledObject': scaledObjectSchema,
  'argoproj.io/v1alpha1 Application': applicationSchema,
  'argoproj.io/v1alpha1 AppProject': appProjectSchema,
  'templates.gatekeeper.sh/v1 ConstraintTemplate': constraintTemplateSchema,
  'monitoring.coreos.com/v1 PrometheusRule': prometheusRuleSchema,
});
