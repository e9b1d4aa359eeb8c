import type { K8sObject } from '../k8s-object.js';

/*
 * Where Kustomize's built-in transformers write (kustomize api/konfig/builtinpluginconsts): the deriving code
 * and the tests share these paths so an overlay never relies on a field Kustomize would not touch.
 */

/** Kinds whose `spec.template.metadata.labels` `labels[].includeTemplates` reaches. */
export const TEMPLATE_KINDS: readonly string[] = [
  'Deployment',
  'ReplicaSet',
  'DaemonSet',
  'StatefulSet',
  'Job',
  'ReplicationController',
];

/** Kinds whose `spec.replicas` the `replicas:` field sets (matched by name). */
export const REPLICA_KINDS: readonly string[] = [
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'ReplicationController',
];

/** Container lists whose `image` the `images:` field rewrites, on any kind. */
export const CONTAINER_PATHS: readonly (readonly string[])[] = [
  ['spec', 'containers'],
  ['spec', 'initContainers'],
  ['spec', 'template', 'spec', 'containers'],
  ['spec', 'template', 'spec', 'initContainers'],
];

/** An image reference split as Kustomize splits it: name, then `:tag` and/or `@digest`. */
export function splitImage(image: string): {
  name: string;
  tag: string | undefined;
  digest: string | undefined;
} {
  const [withTag = '', digest] = image.split('@', 2);
  const colon = withTag.lastIndexOf(':');
  const hasTag = colon > withTag.lastIndexOf('/');
  return {
    name: hasTag ? withTag.slice(0, colon) : withTag,
    tag: hasTag ? withTag.slice(colon + 1) : undefined,
    digest,
  };
}

/** The value at a path of a plain object, or undefined. */
export function valueAt(object: unknown, path: readonly string[]): unknown {
  let current: unknown = object;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Every container of an object at the paths `images:` reaches, with its JSON pointer. */
export function containersOf(object: K8sObject): { pointer: string; image: unknown }[] {
  return CONTAINER_PATHS.flatMap((path) => {
    const list = valueAt(object, path);
    if (!Array.isArray(list)) return [];
    return list.map((container, i) => ({
      pointer: `/${path.join('/')}/${i}/image`,
      image: (container as { image?: unknown } | null)?.image,
    }));
  });
}
