import { CANARY_HASH_ARG, STABLE_HASH_ARG } from './analysis-template.js';
import type { RolloutObject } from './crd-schemas.js';
import { typedObject, type K8sObject } from './k8s-object.js';
import { selectorLabels } from './labels.js';
import type { ResolvedOptions } from './options.js';
import type { StrategySpec } from './spec-types.js';

type RolloutAnalysis = NonNullable<
  NonNullable<RolloutObject['spec']['strategy']['blueGreen']>['prePromotionAnalysis']
>;

/** Name of the Service a blue-green rollout's new revision is reachable on before promotion. */
export const previewServiceName = (service: string): string => `${service}-preview`;

/** The analysis a step or promotion runs: the service's template, with both revisions' hashes. */
function analysisRef(service: string): RolloutAnalysis {
  return {
    templates: [{ templateName: `${service}-analysis` }],
    args: [
      { name: CANARY_HASH_ARG, valueFrom: { podTemplateHashValue: 'Latest' } },
      { name: STABLE_HASH_ARG, valueFrom: { podTemplateHashValue: 'Stable' } },
    ],
  };
}

/**
 * The Argo Rollouts strategy for the spec's Canary or BlueGreen. Canary: each step's weight, then the
 * analysis of that step (the runtime analyses at every step; promotion follows the last). Without a traffic
 * router Argo approximates a weight with replica counts behind the one Service. BlueGreen: the main Service
 * is the active one, `<service>-preview` the preview; the analysis runs before promotion.
 */
export function rolloutStrategy(service: string, strategy: StrategySpec): RolloutObject['spec']['strategy'] {
  if (strategy.type === 'Canary') {
    return {
      canary: {
        steps: strategy.canary.steps.flatMap((weight) => [
          { setWeight: weight },
          { analysis: analysisRef(service) },
        ]),
      },
    };
  }
  if (strategy.type === 'BlueGreen') {
    const blueGreen = strategy.blueGreen;
    return {
      blueGreen: {
        activeService: service,
        previewService: previewServiceName(service),
        autoPromotionEnabled: blueGreen.autoPromotionSeconds !== undefined,
        ...(blueGreen.autoPromotionSeconds === undefined
          ? {}
          : { autoPromotionSeconds: Math.ceil(blueGreen.autoPromotionSeconds) }),
        scaleDownDelaySeconds: Math.ceil(blueGreen.scaleDownDelaySeconds),
        prePromotionAnalysis: analysisRef(service),
      },
    };
  }
  throw new Error(`services.${service}: a RollingUpdate has no Rollout`);
}

/**
 * An Argo Rollout that takes its pod template from the service's Deployment (`workloadRef`): the Deployment
 * stays the one source of the template and is rendered with 0 replicas, the Rollout owns the count (or the
 * autoscaler, which then targets the Rollout).
 */
export function renderRollout(
  service: string,
  strategy: StrategySpec,
  replicas: number | undefined,
  labels: Record<string, string>,
  options: ResolvedOptions,
): K8sObject {
  return typedObject<RolloutObject>({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: service, namespace: options.namespace, labels },
    spec: {
      ...(replicas === undefined ? {} : { replicas }),
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorLabels(service) },
      workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: service },
      strategy: rolloutStrategy(service, strategy),
    },
  });
}
