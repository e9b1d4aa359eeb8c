import { renderAnalysisTemplate } from './analysis-template.js';
import { renderBudgetRule } from './budget/prometheus-rule.js';
import { renderHpa, renderScaledObject, type ScaleTarget } from './autoscaling.js';
import { renderPdb } from './disruption-budget.js';
import { renderScheduledScaledObject, scheduleOf } from './scheduled-scaling.js';
import { applyEnvironment } from './environment.js';
import { RenderError } from './errors.js';
import { renderExternalSecrets } from './external-secrets.js';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { typedObject, type K8sObject } from './k8s-object.js';
import { renderService } from './k8s-service.js';
import { renderIngress } from './ingress.js';
import { serviceLabels, systemLabels } from './labels.js';
import { renderNamespace, renderQuotaAndLimits } from './namespace.js';
import { renderBaselinePolicies, renderServicePolicy } from './network-policy.js';
import { resolveOptions, type RenderOptions, type ResolvedOptions } from './options.js';
import { previewServiceName, renderRollout } from './rollout.js';
import { backendsOf, serviceEnv } from './service-env.js';
import type { SystemSpec } from './spec-types.js';
import { renderDeployment, renderServiceAccount } from './workload.js';

/** Service names, each after the ones it depends on; ties in name order (stable output). */
export function dependencyOrder(spec: SystemSpec): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const dep of [...(spec.services[name]?.dependsOn ?? [])].sort()) visit(dep);
    order.push(name);
  };
  for (const name of Object.keys(spec.services).sort()) visit(name);
  return order;
}

function renderWorkloads(spec: SystemSpec, name: string, options: ResolvedOptions): K8sObject[] {
  const service = spec.services[name];
  if (service === undefined) throw new RenderError(`services.${name}: not in the spec`);
  const labels = serviceLabels(name, spec.metadata.name, options);
  const env = serviceEnv(name, service, options, { labels });
  const autoscaled = service.autoscaling !== undefined;
  const progressive = service.strategy.type !== 'RollingUpdate';
  const consumers = env.usesBus ? (options.eventConsumers[name] ?? []) : [];
  const schedule = scheduleOf(spec, name, options);
  // A scaler (HPA or KEDA) owns the count; the Deployment's own would fight it on every apply.
  const replicas = autoscaled || schedule !== undefined ? undefined : service.replicas;
  const target: ScaleTarget = progressive
    ? { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name }
    : { apiVersion: 'apps/v1', kind: 'Deployment', name };

  const objects: K8sObject[] = [
    renderServiceAccount(name, labels, options),
    env.configMap,
    renderDeployment({ name, service, spec, env, labels, options, replicas: progressive ? 0 : replicas }),
  ];
  const strategy = service.strategy;
  if (strategy.type !== 'RollingUpdate') {
    const analysis = strategy.type === 'Canary' ? strategy.canary.analysis : strategy.blueGreen.analysis;
    objects.push(renderRollout(name, strategy, replicas, labels, options));
    objects.push(renderAnalysisTemplate(name, analysis, labels, options));
  }
  objects.push(renderService(name, labels, options));
  if (strategy.type === 'BlueGreen')
    objects.push(renderService(name, labels, options, previewServiceName(name)));
  const existing =
    service.autoscaling !== undefined && consumers.length > 0
      ? renderScaledObject({ name, autoscaling: service.autoscaling, target, consumers, labels, options })
      : undefined;
  if (schedule !== undefined) {
    const scheduled = { name, service, schedule, target, labels, options };
    objects.push(
      renderScheduledScaledObject(existing === undefined ? scheduled : { ...scheduled, existing }),
    );
  } else if (existing !== undefined) objects.push(existing);
  else if (service.autoscaling !== undefined)
    objects.push(renderHpa(name, service.autoscaling, target, labels, options));
  const pdb = renderPdb(name, service, labels, options);
  if (pdb !== undefined) objects.push(pdb);
  objects.push(
    renderServicePolicy({
      name,
      spec,
      usesBus: env.usesBus,
      usesDatabase: env.usesDatabase,
      labels,
      options,
    }),
  );
  return objects;
}

/** The PrometheusRule of the rendered environment's budget, when it has one. */
function renderBudgetRules(spec: SystemSpec, options: ResolvedOptions, labels: Record<string, string>) {
  const environment = options.env === undefined ? undefined : spec.environments?.[options.env];
  if (options.env === undefined || environment?.budget === undefined) return [];
  return [
    renderBudgetRule({
      environment: options.env,
      namespace: options.namespace,
      budget: environment.budget,
      scheduled: environment.schedule !== undefined,
      labels,
    }),
  ];
}

/**
 * Renders a validated `opsloop.yaml` to Kubernetes objects, in apply order: the namespace and its guards
 * (quota, limits, default-deny and DNS policies), the spec's config maps, the ExternalSecrets, then per
 * service (dependencies first) its ServiceAccount, env ConfigMap, Deployment, Rollout and AnalysisTemplate
 * (Canary/BlueGreen), Service(s), HPA or KEDA ScaledObject, PodDisruptionBudget and NetworkPolicy; then the
 * Ingress and, for an environment with a budget, its PrometheusRule.
 * Deterministic: the same spec and options give the same objects in the same order.
 * @throws RenderError on unusable options (a `latest` or missing image tag, a bad namespace, an unknown env, …).
 */
export function renderKubernetes(system: SystemSpec, options: RenderOptions): K8sObject[] {
  if (options.env !== undefined) resolveOptions(options, system.metadata.name); // a bad name before a lookup
  const applied = applyEnvironment(system, options);
  const spec = applied.spec;
  const resolved: ResolvedOptions = {
    ...resolveOptions(applied.options, spec.metadata.name),
    region: applied.region,
    host: applied.host,
    extraLabels: applied.labels,
  };
  const labels = systemLabels(spec.metadata.name, resolved);
  const order = dependencyOrder(spec);
  const configMaps = Object.keys(spec.configMaps)
    .sort()
    .map((name) =>
      typedObject<IConfigMap>({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: resolved.namespace, labels },
        data: spec.configMaps[name]?.data ?? {},
      }),
    );
  const databaseUsers = order.filter((name) => {
    const service = spec.services[name];
    return service !== undefined && backendsOf(name, service, resolved).database;
  });
  return [
    renderNamespace(resolved, labels),
    ...renderQuotaAndLimits(spec, resolved, labels),
    ...renderBaselinePolicies(resolved, labels),
    ...configMaps,
    ...renderExternalSecrets(spec, order, resolved, labels, databaseUsers),
    ...order.flatMap((name) => renderWorkloads(spec, name, resolved)),
    ...renderIngress(spec, (name) => serviceLabels(name, spec.metadata.name, resolved), resolved),
    ...renderBudgetRules(spec, resolved, labels),
  ];
}
