export { renderKubernetes, dependencyOrder } from './render.js';
export { toYaml } from './to-yaml.js';
export { validateManifests } from './validate.js';
export {
  rolloutSchema,
  analysisTemplateSchema,
  externalSecretSchema,
  scaledObjectSchema,
  CRD_SCHEMAS,
} from './crd-schemas.js';
export {
  resolveOptions,
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
export { SHOP_EVENT_CONSUMERS, SHOP_BACKENDS } from './shop-profile.js';
export { analysisQueries } from './analysis-template.js';
export { callersOf } from './network-policy.js';
export { RPS_METRIC, P95_METRIC } from './autoscaling.js';
export { CONTAINER_PORT, FILES_DIR } from './service-env.js';
export { RUN_AS_USER } from './workload.js';
