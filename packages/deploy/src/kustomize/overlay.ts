import type { K8sObject } from '../k8s-object.js';
import { diffJson, pointerToken, type PatchOperation } from './json-patch.js';
import type { ObjectPair } from './pair-objects.js';
import { containersOf, REPLICA_KINDS, splitImage, TEMPLATE_KINDS, valueAt } from './transformers.js';

/** A Kustomize `images:` entry. */
export interface ImageEntry {
  name: string;
  newName?: string;
  newTag?: string;
}

/** A Kustomize `patches:` entry: a JSON 6902 patch and the base object it targets. */
export interface PatchEntry {
  target: { group?: string; version: string; kind: string; name: string };
  operations: PatchOperation[];
}

/** What an overlay does to the base, in the order Kustomize applies it (patches, labels, replicas, images). */
export interface Overlay {
  patches: PatchEntry[];
  labels: { pairs: Record<string, string>; includeTemplates: boolean } | undefined;
  replicas: { name: string; count: number }[];
  images: ImageEntry[];
}

const labelsOf = (object: K8sObject): Record<string, string> => object.metadata.labels ?? {};

/** Label pairs every environment object carries and some base object lacks: one `labels:` entry. */
function deriveLabels(pairs: readonly ObjectPair[], envObjects: readonly K8sObject[]): Overlay['labels'] {
  const [first] = envObjects;
  if (first === undefined) return undefined;
  const common = Object.entries(labelsOf(first)).filter(
    ([key, value]) =>
      envObjects.every((object) => labelsOf(object)[key] === value) &&
      pairs.some(({ base }) => labelsOf(base)[key] !== value),
  );
  if (common.length === 0) return undefined;
  const templates = envObjects.filter((object) => TEMPLATE_KINDS.includes(object.kind));
  const includeTemplates = templates.every((object) => {
    const labels = valueAt(object, ['spec', 'template', 'metadata', 'labels']) as
      Record<string, string> | undefined;
    return common.every(([key, value]) => labels?.[key] === value);
  });
  return { pairs: Object.fromEntries(common), includeTemplates };
}

/** Replica counts that changed, kept only where every same-named workload ends at that count. */
function deriveReplicas(pairs: readonly ObjectPair[], envObjects: readonly K8sObject[]): Overlay['replicas'] {
  const counts = new Map<string, number>();
  for (const { base, env } of pairs) {
    if (!REPLICA_KINDS.includes(base.kind) || base.kind !== env.kind) continue;
    const from = valueAt(base, ['spec', 'replicas']);
    const to = valueAt(env, ['spec', 'replicas']);
    if (
      typeof from === 'number' &&
      typeof to === 'number' &&
      from !== to &&
      base.metadata.name === env.metadata.name
    )
      counts.set(base.metadata.name, to);
  }
  return [...counts]
    .filter(([name, count]) =>
      envObjects
        .filter((object) => REPLICA_KINDS.includes(object.kind) && object.metadata.name === name)
        .every((object) => valueAt(object, ['spec', 'replicas']) === count),
    )
    .map(([name, count]) => ({ name, count }));
}

/** Image changes by base image name, kept only when consistent across every container they would reach. */
function deriveImages(pairs: readonly ObjectPair[], envObjects: readonly K8sObject[]): ImageEntry[] {
  const mapped = new Map<string, string | null>(); // base name → env image, null when inconsistent
  for (const { base, env } of pairs) {
    const to = new Map(containersOf(env).map(({ pointer, image }) => [pointer, image]));
    for (const { pointer, image } of containersOf(base)) {
      const target = to.get(pointer);
      if (typeof image !== 'string' || typeof target !== 'string') continue;
      const { name, digest } = splitImage(image);
      const next = splitImage(target);
      if (digest !== undefined || next.digest !== undefined) continue;
      const seen = mapped.get(name);
      if (seen === undefined) mapped.set(name, target);
      else if (seen !== target) mapped.set(name, null);
    }
  }
  const entries: ImageEntry[] = [];
  for (const [name, target] of mapped) {
    if (target === null) continue;
    const next = splitImage(target);
    const reached = envObjects.flatMap(containersOf).filter(({ image }) => {
      return typeof image === 'string' && splitImage(image).name === name;
    });
    // Kustomize rewrites every container of that name: an environment object it would get wrong rules it out.
    const wrong = next.name === name ? reached.some(({ image }) => image !== target) : reached.length > 0;
    if (wrong) continue;
    const changed = pairs.some(({ base }) =>
      containersOf(base).some(
        ({ image }) => typeof image === 'string' && splitImage(image).name === name && image !== target,
      ),
    );
    if (!changed) continue;
    entries.push({
      name,
      ...(next.name === name ? {} : { newName: next.name }),
      ...(next.tag === undefined ? {} : { newTag: next.tag }),
    });
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

/** Whether an operation only writes what a `labels:`, `replicas:` or `images:` entry writes anyway. */
function coveredBy(overlay: Omit<Overlay, 'patches'>, base: K8sObject, op: PatchOperation): boolean {
  if (op.op === 'remove') return false;
  const label = Object.entries(overlay.labels?.pairs ?? {}).some(
    ([key, value]) =>
      op.value === value &&
      (op.path === `/metadata/labels/${pointerToken(key)}` ||
        (overlay.labels?.includeTemplates === true &&
          TEMPLATE_KINDS.includes(base.kind) &&
          op.path === `/spec/template/metadata/labels/${pointerToken(key)}`)),
  );
  if (label) return true;
  if (op.path === '/spec/replicas' && REPLICA_KINDS.includes(base.kind))
    return overlay.replicas.some(({ name, count }) => name === base.metadata.name && count === op.value);
  const container = containersOf(base).find(({ pointer }) => pointer === op.path);
  if (container === undefined || typeof container.image !== 'string' || op.op !== 'replace') return false;
  const from = splitImage(container.image);
  return overlay.images.some(
    (entry) =>
      entry.name === from.name &&
      op.value === `${entry.newName ?? entry.name}${entry.newTag === undefined ? '' : `:${entry.newTag}`}`,
  );
}

function targetOf(object: K8sObject): PatchEntry['target'] {
  const [group, version] = object.apiVersion.includes('/')
    ? object.apiVersion.split('/', 2)
    : [undefined, object.apiVersion];
  return {
    ...(group === undefined ? {} : { group }),
    version: version ?? '',
    kind: object.kind,
    name: object.metadata.name,
  };
}

/**
 * The overlay that turns the paired base objects into the environment's: `labels`, `replicas` and `images`
 * entries where a change is uniform, JSON 6902 patches for every other difference. Derived by diffing the
 * objects, not from the environment's settings, so anything the renderer changes per environment is covered.
 * `extra` are the environment's objects the overlay adds as resources (the transformers reach them too).
 */
export function deriveOverlay(pairs: readonly ObjectPair[], extra: readonly K8sObject[]): Overlay {
  const envObjects = [...pairs.map(({ env }) => env), ...extra];
  const transformers = {
    labels: deriveLabels(pairs, envObjects),
    replicas: deriveReplicas(pairs, envObjects),
    images: deriveImages(pairs, envObjects),
  };
  const patches = pairs.flatMap(({ base, env }) => {
    const operations = diffJson(base, env).filter((op) => !coveredBy(transformers, base, op));
    return operations.length === 0 ? [] : [{ target: targetOf(base), operations }];
  });
  return { patches, ...transformers };
}
