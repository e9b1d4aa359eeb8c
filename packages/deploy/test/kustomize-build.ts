import jsonpatch from 'fast-json-patch';
import { parse, parseAllDocuments } from 'yaml';
import type { K8sObject } from '../src/index.js';
import type { Loose } from './fixture.js';

/*
 * A build of one overlay as Kustomize documents it, for the subset our overlays may use: `resources`,
 * `patches` (JSON 6902, applied with fast-json-patch), then the `labels`, `replicas` and `images`
 * transformers, in Kustomize's order (patches before labels, replicas and images). Written from the
 * Kustomize reference (kubectl.docs.kubernetes.io/references/kustomize/kustomization/), independently of
 * the code that writes the overlays.
 */

/** Top-level fields an overlay may use (what can be checked without a kustomize binary). */
export const ALLOWED_FIELDS = ['apiVersion', 'kind', 'resources', 'images', 'replicas', 'labels', 'patches'];

// labels[].includeTemplates: the pod templates of the workload kinds.
const TEMPLATE_PATHS: Record<string, string[][]> = {
  Deployment: [['spec', 'template', 'metadata', 'labels']],
  ReplicaSet: [['spec', 'template', 'metadata', 'labels']],
  DaemonSet: [['spec', 'template', 'metadata', 'labels']],
  StatefulSet: [['spec', 'template', 'metadata', 'labels']],
  Job: [['spec', 'template', 'metadata', 'labels']],
  ReplicationController: [['spec', 'template', 'metadata', 'labels']],
  CronJob: [
    ['spec', 'jobTemplate', 'metadata', 'labels'],
    ['spec', 'jobTemplate', 'spec', 'template', 'metadata', 'labels'],
  ],
};
// replicas: matched by name among these kinds.
const SCALABLE = ['Deployment', 'ReplicaSet', 'StatefulSet', 'ReplicationController'];
// images: container lists at these paths of any kind.
const CONTAINER_LISTS = [
  ['spec', 'containers'],
  ['spec', 'initContainers'],
  ['spec', 'template', 'spec', 'containers'],
  ['spec', 'template', 'spec', 'initContainers'],
];

/** The map at a path, created on the way when missing. */
function mapAt(object: Loose, path: string[]): Record<string, unknown> {
  let current = object;
  for (const key of path) {
    current[key] ??= {};
    current = current[key];
  }
  return current;
}

const documentsOf = (text: string): K8sObject[] =>
  parseAllDocuments(text).map((doc) => doc.toJS() as K8sObject);

function setImage(image: string, entry: { name: string; newName?: string; newTag?: string }): string {
  const [withTag = '', digest] = image.split('@', 2);
  const colon = withTag.lastIndexOf(':');
  const hasTag = colon > withTag.lastIndexOf('/');
  const name = hasTag ? withTag.slice(0, colon) : withTag;
  if (name !== entry.name) return image;
  const tag = entry.newTag ?? (hasTag ? withTag.slice(colon + 1) : undefined);
  return `${entry.newName ?? name}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}`;
}

/** Builds `<dir>/kustomization.yaml` of a tree (relative path → text) into its objects. */
export function buildKustomization(files: ReadonlyMap<string, string>, dir: string): K8sObject[] {
  const read = (path: string): string => {
    const text = files.get(path);
    if (text === undefined) throw new Error(`${path}: no such file in the tree`);
    return text;
  };
  const k: Loose = parse(read(`${dir}/kustomization.yaml`));
  const unknown = Object.keys(k).filter((key) => !ALLOWED_FIELDS.includes(key));
  if (unknown.length > 0) throw new Error(`${dir}: fields outside the allowed subset: ${unknown.join(', ')}`);
  const objects: Loose[] = [];
  for (const resource of k.resources ?? []) {
    const path = resource.startsWith('../') ? normalise(`${dir}/${resource}`) : `${dir}/${resource}`;
    if (files.has(`${path}/kustomization.yaml`)) objects.push(...buildKustomization(files, path));
    else objects.push(...documentsOf(read(path)));
  }
  for (const { target, patch, ...rest } of k.patches ?? []) {
    if (Object.keys(rest).length > 0) throw new Error(`${dir}: a patch with ${Object.keys(rest).join(', ')}`);
    const apiVersion = target.group === undefined ? target.version : `${target.group}/${target.version}`;
    const matches = objects.filter(
      (o) => o.apiVersion === apiVersion && o.kind === target.kind && o.metadata.name === target.name,
    );
    if (matches.length !== 1)
      throw new Error(`${dir}: patch target ${JSON.stringify(target)} matches ${matches.length} objects`);
    const operations = parse(patch);
    const error = jsonpatch.validate(operations, matches[0]);
    if (error !== undefined) throw new Error(`${dir}: ${error.message}`);
    const index = objects.indexOf(matches[0]);
    objects[index] = jsonpatch.applyPatch(matches[0], operations, true, false).newDocument;
  }
  for (const entry of k.labels ?? []) {
    if (entry.includeSelectors === true) throw new Error(`${dir}: labels with includeSelectors`);
    for (const object of objects) {
      Object.assign(mapAt(object, ['metadata', 'labels']), entry.pairs);
      if (entry.includeTemplates === true)
        for (const path of TEMPLATE_PATHS[object.kind] ?? []) Object.assign(mapAt(object, path), entry.pairs);
    }
  }
  for (const { name, count } of k.replicas ?? []) {
    const targets = objects.filter((o) => SCALABLE.includes(o.kind) && o.metadata.name === name);
    if (targets.length === 0) throw new Error(`${dir}: replicas of ${name} match no workload`);
    for (const object of targets) object.spec.replicas = count;
  }
  for (const entry of k.images ?? [])
    for (const object of objects)
      for (const path of CONTAINER_LISTS) {
        let list: Loose = object;
        for (const key of path) list = list?.[key];
        if (Array.isArray(list))
          for (const container of list)
            if (typeof container.image === 'string') container.image = setImage(container.image, entry);
      }
  return objects;
}

function normalise(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.' && part !== '') parts.push(part);
  }
  return parts.join('/');
}

/** Objects keyed by apiVersion, kind, namespace and name (the order Kustomize prints in is its own). */
export function byIdentity(objects: readonly K8sObject[]): Map<string, K8sObject> {
  const map = new Map<string, K8sObject>();
  for (const object of objects) {
    const key = `${object.apiVersion} ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    if (map.has(key)) throw new Error(`two objects ${key}`);
    map.set(key, object);
  }
  return map;
}
