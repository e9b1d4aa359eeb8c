export { renderKubernetes, dependencyOrder } from './render.js';
export { toYaml, type ToYamlOptions } from './to-yaml.js';
export { validateManifests } from './validate.js';
export {
  rolloutSchema,
  analysisTemplateSchema,
  externalSecretSchema,
  scaledObjectSchema,
  applicationSchema,
  appProjectSchema,
  constraintTemplateSchema,
  constraintSchema,
  prometheusRuleSchema,
  CRD_SCHEMAS,
} from './crd-schemas.js';
export {
  resolveOptions,
  DEFAULT_IMAGE_REGISTRY,
  DEFAULT_IMAGE_TAG,
  type RenderOptions,
  type ResolvedOptions,
  type NetworkPeer,
  type BackendOptions,
  type NatsOptions,
  type OtlpOptions,
  type SecretStoreOptions,
  type EventConsumer,
} from './options.js';
export { RenderError } from './errors.js';
export type { K8sObject, ObjectMeta, LabelSelector } from './k8s-object.js';
export { SHOP_EVENT_CONSUMERS, SHOP_BACKENDS, profileOptions } from './shop-profile.js';
export { analysisQueries } from './analysis-template.js';
export { callersOf } from './network-policy.js';
export { RPS_METRIC, P95_METRIC } from './autoscaling.js';
export { CONTAINER_PORT, FILES_DIR } from './service-env.js';
export { RUN_AS_USER } from './workload.js';
export {
  applyEnvironment,
  environmentNames,
  type EnvironmentSpec,
  type AppliedEnvironment,
} from './environment.js';
export { renderIngress, tlsSecretName } from './ingress.js';
export { ENVIRONMENT_LABEL, REGION_LABEL } from './labels.js';
export {
  renderKustomizeTree,
  objectFileName,
  isGeneratedFile,
  GENERATED_HEADER,
  type KustomizeTree,
  type KustomizeTreeOptions,
} from './kustomize/tree.js';
export {
  renderArgoCd,
  type ArgoCdOptions,
  type ArgoDestination,
  type ArgoEnvironment,
} from './kustomize/argocd.js';
export { diffJson, jsonEqual, type PatchOperation } from './kustomize/json-patch.js';
export { pairObjects, type ObjectPair } from './kustomize/pair-objects.js';
export { deriveOverlay, type Overlay, type ImageEntry, type PatchEntry } from './kustomize/overlay.js';
export { TEMPLATE_KINDS, REPLICA_KINDS, CONTAINER_PATHS, splitImage } from './kustomize/transformers.js';
export { checkPolicies, formatViolation, resolvePolicyOptions } from './policy/check.js';
export { POLICY_RULES } from './policy/rules.js';
export {
  renderGatekeeper,
  constraintTemplateOf,
  constraintOf,
  regoOf,
  templateName,
  syncConfig,
  isGeneratedPolicyFile,
  POLICY_GENERATED_HEADER,
  EXEMPT_NAMESPACES,
} from './policy/gatekeeper.js';
export { selectorMatches } from './policy/rules/disruption-budget.js';
export type {
  Violation,
  PolicyRule,
  PolicyOptions,
  ResolvedPolicyOptions,
  MatchKind,
} from './policy/types.js';
export {
  lintDockerfile,
  imageStages,
  type Finding,
  type DockerfileRule,
  type DockerfileLintOptions,
} from './dockerfile-lint.js';
export {
  parseDockerfile,
  parseInstructions,
  stageConfig,
  execForm,
  type DockerInstruction,
  type DockerStage,
  type ParsedDockerfile,
  type StageConfig,
} from './dockerfile-lint-parse.js';
export {
  budgetForecasts,
  budgetedEnvironments,
  forecastBudget,
  requestedCompute,
  LOCAL_BUDGET,
  type BudgetForecast,
  type ServiceCost,
  type FloorCeiling,
} from './budget/forecast.js';
export { budgetLevels, type BudgetLevel } from './budget/levels.js';
export {
  renderBudgetRule,
  hourlyCostExpr,
  HOURLY_COST_RECORD,
  WEEKLY_COST_RECORD,
  BUDGET_RULE_NAME,
} from './budget/prometheus-rule.js';
