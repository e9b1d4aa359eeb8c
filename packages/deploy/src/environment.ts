import { RenderError } from './errors.js';
import type { RenderOptions } from './options.js';
import type { ServiceSpec, SystemSpec } from './spec-types.js';

/** One entry of the spec's `environments:`. */
export type EnvironmentSpec = NonNullable<SystemSpec['environments']>[string];

/** What an environment changes: the spec the renderer sees, its options, and the environment's extras. */
export interface AppliedEnvironment {
  spec: SystemSpec;
  options: RenderOptions;
  region: string | undefined;
  host: string | undefined;
  labels: Readonly<Record<string, string>>;
}

// Keys the renderer owns: an environment label under them would move selectors or lie about the object.
const RESERVED_LABEL = /^(app\.kubernetes\.io\/|opsloop\.dev\/(environment|region)$)/;

/** The names of the spec's environments, sorted. */
export function environmentNames(spec: SystemSpec): string[] {
  return Object.keys(spec.environments ?? {}).sort();
}

function withOverrides(name: string, service: ServiceSpec, environment: EnvironmentSpec): ServiceSpec {
  const replicas = environment.replicas?.[name];
  const resources = Object.fromEntries(
    Object.entries(environment.resources?.[name] ?? {}).filter(([, value]) => value !== undefined),
  );
  return {
    ...service,
    replicas: replicas ?? service.replicas,
    resources: { ...service.resources, ...resources },
  };
}

/**
 * Applies `options.env` (an entry of the spec's `environments:`) to the spec and the options: replicas and
 * resources per service, namespace and image tag. Without `env`, the spec and options as they are.
 * @throws RenderError when the environment is not in the spec or a label key is the renderer's own.
 */
export function applyEnvironment(spec: SystemSpec, options: RenderOptions): AppliedEnvironment {
  if (options.env === undefined) return { spec, options, region: undefined, host: undefined, labels: {} };
  const environment = spec.environments?.[options.env];
  if (environment === undefined) {
    const names = environmentNames(spec);
    throw new RenderError(
      `env: "${options.env}" is not an environment of the spec (${names.length === 0 ? 'it has no environments:' : names.join(', ')})`,
    );
  }
  const labels = environment.labels ?? {};
  const reserved = Object.keys(labels).find((key) => RESERVED_LABEL.test(key));
  if (reserved !== undefined)
    throw new RenderError(
      `environments.${options.env}.labels: "${reserved}" is set by the renderer; choose another key`,
    );
  const services = Object.fromEntries(
    Object.entries(spec.services).map(([name, service]) => [name, withOverrides(name, service, environment)]),
  );
  return {
    spec: { ...spec, services },
    options: {
      ...options,
      namespace: environment.namespace ?? options.namespace,
      imageTag: environment.imageTag ?? options.imageTag,
    },
    region: environment.region,
    host: environment.host,
    labels,
  };
}
