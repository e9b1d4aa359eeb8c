import { RenderError } from './errors.js';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IMetricSpec } from 'kubernetes-models/autoscaling/v2/MetricSpec';
import type { ScaledObjectObject } from './crd-schemas.js';
import { typedObject, type K8sObject } from './k8s-object.js';
import type { ResolvedOptions } from './options.js';
import { numberQuantity } from './quantity.js';
import type { AutoscalingSpec } from './spec-types.js';

/** The workload an autoscaler scales: the Deployment, or the Argo Rollout that owns the pods. */
export interface ScaleTarget {
  apiVersion: string;
  kind: string;
  name: string;
}

/** Pods metric a Prometheus adapter must serve: requests/s per pod (rate of the HTTP histogram's count). */
export const RPS_METRIC = 'http_server_requests_per_second';

/** Object metric (on the Service) a Prometheus adapter must serve: the service's p95 latency in seconds. */
export const P95_METRIC = 'http_server_request_duration_seconds_p95';

function hpaMetric(metric: AutoscalingSpec['metrics'][number], service: string): IMetricSpec {
  switch (metric.type) {
    case 'cpu':
      return {
        type: 'Resource',
        resource: {
          name: 'cpu',
          target: { type: 'Utilization', averageUtilization: Math.round(metric.targetUtilizationPercent) },
        },
      };
    case 'rps':
      return {
        type: 'Pods',
        pods: {
          metric: { name: RPS_METRIC },
          target: { type: 'AverageValue', averageValue: numberQuantity(metric.targetPerReplica) },
        },
      };
    case 'p95':
      return {
        type: 'Object',
        object: {
          describedObject: { apiVersion: 'v1', kind: 'Service', name: service },
          metric: { name: P95_METRIC },
          // Milliseconds are milli-units of the metric's seconds: 250 ms → "250m".
          target: { type: 'Value', value: `${Math.round(metric.targetMs)}m` },
        },
      };
  }
}

/**
 * A HorizontalPodAutoscaler (autoscaling/v2) from the spec's block: same bounds, metrics and behavior. The
 * spec's `tolerance` (cluster-wide in Kubernetes before 1.33) and `mode: predictive` have no HPA field.
 */
export function renderHpa(
  name: string,
  autoscaling: AutoscalingSpec,
  target: ScaleTarget,
  labels: Record<string, string>,
  options: ResolvedOptions,
): K8sObject {
  const behavior = autoscaling.behavior;
  const hasBehavior = behavior.scaleUp !== undefined || behavior.scaleDown !== undefined;
  return typedObject<IHorizontalPodAutoscaler>({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: options.namespace, labels },
    spec: {
      scaleTargetRef: { apiVersion: target.apiVersion, kind: target.kind, name: target.name },
      minReplicas: autoscaling.minReplicas,
      maxReplicas: autoscaling.maxReplicas,
      metrics: autoscaling.metrics.map((metric) => hpaMetric(metric, name)),
      ...(hasBehavior ? { behavior } : {}),
    },
  });
}

/** Inputs of {@link renderScaledObject}. */
export interface ScaledObjectInput {
  name: string;
  autoscaling: AutoscalingSpec;
  target: ScaleTarget;
  consumers: readonly { stream: string; group: string }[];
  labels: Record<string, string>;
  options: ResolvedOptions;
}

/**
 * A KEDA ScaledObject for a bus consumer: one `nats-jetstream` trigger per durable consumer (the bus names
 * them `<group>_p<partition>`, one per partition of each stream), plus the spec's CPU target; KEDA then
 * drives an HPA of its own, so no HorizontalPodAutoscaler is rendered beside it.
 */
export function renderScaledObject(input: ScaledObjectInput): K8sObject {
  const { name, autoscaling, target, consumers, labels, options } = input;
  const monitoring = options.nats?.monitoringEndpoint;
  if (monitoring === undefined)
    throw new RenderError(
      `services.${name}: a bus consumer that autoscales needs nats.monitoringEndpoint (KEDA reads lag there)`,
    );
  const triggers: ScaledObjectObject['spec']['triggers'] = [];
  for (const { stream, group } of consumers)
    for (let partition = 0; partition < options.streamPartitions; partition++)
      triggers.push({
        type: 'nats-jetstream',
        metadata: {
          natsServerMonitoringEndpoint: monitoring,
          account: '$G',
          stream,
          consumer: `${group}_p${partition}`,
          lagThreshold: String(options.consumerLagThreshold),
        },
      });
  for (const metric of autoscaling.metrics)
    if (metric.type === 'cpu')
      triggers.push({
        type: 'cpu',
        metricType: 'Utilization',
        metadata: { value: String(Math.round(metric.targetUtilizationPercent)) },
      });
  return typedObject<ScaledObjectObject>({
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name, namespace: options.namespace, labels },
    spec: {
      scaleTargetRef: { apiVersion: target.apiVersion, kind: target.kind, name: target.name },
      minReplicaCount: autoscaling.minReplicas,
      maxReplicaCount: autoscaling.maxReplicas,
      pollingInterval: autoscaling.periodSeconds,
      triggers,
    },
  });
}
