import { parseWeeklyWindows, toCronWindows } from '@opsloop/contracts';
import type { ScaleTarget } from './autoscaling.js';
import type { ScaledObjectObject } from './crd-schemas.js';
import { typedObject, type K8sObject } from './k8s-object.js';
import type { ResolvedOptions } from './options.js';
import type { ServiceSpec, SystemSpec } from './spec-types.js';

/** An environment's `schedule:` block. */
export type ScheduleSpec = NonNullable<NonNullable<SystemSpec['environments']>[string]['schedule']>;

type Trigger = ScaledObjectObject['spec']['triggers'][number];

/** The rendered environment's schedule when it covers `service`; undefined for `always` (nothing to do). */
export function scheduleOf(
  spec: SystemSpec,
  service: string,
  options: ResolvedOptions,
): ScheduleSpec | undefined {
  const schedule = options.env === undefined ? undefined : spec.environments?.[options.env]?.schedule;
  if (schedule === undefined || schedule.exclude.includes(service)) return undefined;
  const windows = parseWeeklyWindows(schedule.uptime);
  const always = windows.some((w) => w.days.length === 7 && w.startMinute === 0 && w.endMinute === 1440);
  return always ? undefined : schedule;
}

/** The HPA's metrics as KEDA triggers (KEDA drives its own HPA: the two must not scale one workload). */
function metricTriggers(name: string, service: ServiceSpec, options: ResolvedOptions): Trigger[] {
  return (service.autoscaling?.metrics ?? []).map((metric): Trigger => {
    switch (metric.type) {
      case 'cpu':
        return {
          type: 'cpu',
          metricType: 'Utilization',
          metadata: { value: String(Math.round(metric.targetUtilizationPercent)) },
        };
      case 'rps':
        return {
          type: 'prometheus',
          metricType: 'AverageValue',
          metadata: {
            serverAddress: options.prometheusUrl,
            query: `sum(service:http_requests:rate5m{service="${name}"})`,
            threshold: String(metric.targetPerReplica),
          },
        };
      case 'p95':
        return {
          type: 'prometheus',
          metricType: 'Value',
          metadata: {
            serverAddress: options.prometheusUrl,
            query: `max(service:http_latency_seconds:p95_5m{service="${name}"})`,
            threshold: String(metric.targetMs / 1000),
          },
        };
    }
  });
}

/** Inputs of {@link renderScheduledScaledObject}. */
export interface ScheduledScaledObjectInput {
  name: string;
  service: ServiceSpec;
  schedule: ScheduleSpec;
  target: ScaleTarget;
  labels: Record<string, string>;
  options: ResolvedOptions;
  /** The ScaledObject already rendered for the service (a bus consumer's): its triggers are kept. */
  existing?: K8sObject;
}

/**
 * A KEDA ScaledObject that holds the service at its uptime count within each uptime window (one `cron`
 * trigger per window, kube-downscaler's grammar turned into cron) and at `downtimeReplicas` outside them. An
 * autoscaled service keeps its targets as triggers of the same object (instead of an HPA); a bus
 * consumer's lag triggers are merged in. Within uptime, KEDA takes the highest of the triggers' counts.
 */
export function renderScheduledScaledObject(input: ScheduledScaledObjectInput): K8sObject {
  const { name, service, schedule, target, labels, options, existing } = input;
  const uptimeReplicas = service.autoscaling?.minReplicas ?? service.replicas;
  const maxReplicas = Math.max(service.autoscaling?.maxReplicas ?? service.replicas, 1);
  const cron: Trigger[] = toCronWindows(parseWeeklyWindows(schedule.uptime)).map((window) => ({
    type: 'cron',
    metadata: { ...window, desiredReplicas: String(uptimeReplicas) },
  }));
  const kept =
    (existing as ScaledObjectObject | undefined)?.spec.triggers ?? metricTriggers(name, service, options);
  const triggers = [...kept, ...cron];
  const base = existing as ScaledObjectObject | undefined;
  return typedObject<ScaledObjectObject>({
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: base?.metadata ?? { name, namespace: options.namespace, labels },
    spec: {
      ...(base?.spec ?? {}),
      scaleTargetRef: { apiVersion: target.apiVersion, kind: target.kind, name: target.name },
      minReplicaCount: schedule.downtimeReplicas,
      maxReplicaCount: Math.max(maxReplicas, schedule.downtimeReplicas),
      ...(service.autoscaling === undefined ? {} : { pollingInterval: service.autoscaling.periodSeconds }),
      triggers:
        triggers.length > 0
          ? triggers
          : // `never`: no window. A cron trigger that never fires (30 February) keeps the object valid;
            // the workload stays at minReplicaCount.
            [
              {
                type: 'cron',
                metadata: {
                  timezone: 'UTC',
                  start: '0 0 30 2 *',
                  end: '1 0 30 2 *',
                  desiredReplicas: String(uptimeReplicas),
                },
              },
            ],
    },
  });
}
