import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { LimitRange } from 'kubernetes-models/v1/LimitRange';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { CRD_SCHEMAS } from './crd-schemas.js';
import type { K8sObject } from './k8s-object.js';

/** A kubernetes-models class: built from plain data, `validate()` throws on a schema violation. */
type ModelClass = new (data: never) => { validate(): void };

/** Built-in kinds checked against the Kubernetes OpenAPI schemas, by `apiVersion kind`. */
const MODELS: Readonly<Record<string, ModelClass>> = {
  'v1 Namespace': Namespace,
  'v1 ServiceAccount': ServiceAccount,
  'v1 ConfigMap': ConfigMap,
  'v1 Secret': Secret,
  'v1 Service': Service,
  'v1 ResourceQuota': ResourceQuota,
  'v1 LimitRange': LimitRange,
  'apps/v1 Deployment': Deployment,
  'autoscaling/v2 HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1 NetworkPolicy': NetworkPolicy,
  'networking.k8s.io/v1 Ingress': Ingress,
};

/** `/spec/template/0` (ajv) → `spec.template.0`. */
const dotted = (pointer: string) => pointer.replace(/^\//, '').split('/').join('.') || '(root)';

interface AjvIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function modelProblems(model: ModelClass, object: K8sObject): string[] {
  try {
    new model(structuredClone(object) as never).validate();
    return [];
  } catch (error) {
    const issues = (error as { errors?: AjvIssue[] }).errors;
    if (!Array.isArray(issues) || issues.length === 0) return [`(root): ${String(error)}`];
    return issues.map((issue) => {
      const extra = issue.params?.additionalProperty ?? issue.params?.missingProperty;
      const detail = typeof extra === 'string' ? ` (${extra})` : '';
      return `${dotted(issue.instancePath ?? '')}: ${issue.message ?? 'invalid'}${detail}`;
    });
  }
}

function crdProblems(object: K8sObject, key: string): string[] | undefined {
  const schema = CRD_SCHEMAS[key];
  if (schema === undefined) return undefined;
  const result = schema.safeParse(object);
  if (result.success) return [];
  return result.error.issues.map(
    (issue) => `${issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.')}: ${issue.message}`,
  );
}

/**
 * Checks every object: built-in kinds against the Kubernetes OpenAPI schemas (kubernetes-models), the CRDs
 * (Rollout, AnalysisTemplate, ExternalSecret, ScaledObject) against their documented required fields.
 * Returns one message per problem, `<kind>/<name>: <path>: <problem>`; empty when all are valid. A kind it
 * knows no schema for is a problem too (nothing unchecked slips through).
 */
export function validateManifests(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const object of objects) {
    const key = `${String(object.apiVersion)} ${String(object.kind)}`;
    const label = `${String(object.kind)}/${String(object.metadata?.name ?? '(unnamed)')}`;
    const model = MODELS[key];
    const found = model !== undefined ? modelProblems(model, object) : crdProblems(object, key);
    if (found === undefined) problems.push(`${label}: (root): no schema for ${key}`);
    else for (const problem of found) problems.push(`${label}: ${problem}`);
  }
  return problems;
}
