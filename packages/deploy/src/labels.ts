import type { ResolvedOptions } from './options.js';

/** Label every rendered object carries: who manages it. */
export const MANAGED_BY = 'opsloop';

/** The labels that select a service's pods (stable across releases: never the version). */
export function selectorLabels(service: string): Record<string, string> {
  return { 'app.kubernetes.io/name': service };
}

/** Recommended labels of a service's objects (app.kubernetes.io/*), plus the env when there is one. */
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
    ...(options.env === undefined ? {} : { 'opsloop.dev/env': options.env }),
  };
}

/** Labels of namespace-wide objects. */
export function systemLabels(system: string, options: ResolvedOptions): Record<string, string> {
  return {
    'app.kubernetes.io/part-of': system,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    ...(options.env === undefined ? {} : { 'opsloop.dev/env': options.env }),
  };
}
