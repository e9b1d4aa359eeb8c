import type { ResolvedOptions } from './options.js';

/** Label of every object rendered for an environment: its name. */
export const ENVIRONMENT_LABEL = 'opsloop.dev/environment';
/** Label of every object rendered for an environment with a region. */
export const REGION_LABEL = 'opsloop.dev/region';

/** The environment's labels (its own keys never clash with the renderer's: `applyEnvironment` refuses them). */
function environmentLabels(options: ResolvedOptions): Record<string, string> {
  return {
    ...(options.env === undefined ? {} : { [ENVIRONMENT_LABEL]: options.env }),
    ...(options.region === undefined ? {} : { [REGION_LABEL]: options.region }),
    ...options.extraLabels,
  };
}

/** Label every rendered object carries: who manages it. */
export const MANAGED_BY = 'opsloop';

/** The labels that select a service's pods (stable across releases: never the version). */
export function selectorLabels(service: string): Record<string, string> {
  return { 'app.kubernetes.io/name': service };
}

/** Recommended labels of a service's objects (app.kubernetes.io/*), plus the environment's. */
export function serviceLabels(
  service: string,
  system: string,
  options: ResolvedOptions,
): Record<string, string> {
  return {
    ...selectorLabels(service),
    'app.kubernetes.io/part-of': system,
    'app.kubernetes.io/version': options.imageTag,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    ...environmentLabels(options),
  };
}

/** Labels of namespace-wide objects. */
export function systemLabels(system: string, options: ResolvedOptions): Record<string, string> {
  return {
    'app.kubernetes.io/part-of': system,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    ...environmentLabels(options),
  };
}
