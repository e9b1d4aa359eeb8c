import type { K8sObject } from '../k8s-object.js';

/** A base object and what the environment renders in its place. */
export interface ObjectPair {
  base: K8sObject;
  env: K8sObject;
}

const typeOf = (object: K8sObject): string => `${object.apiVersion} ${object.kind}`;
const idOf = (object: K8sObject): string => `${typeOf(object)} ${object.metadata.name}`;

/**
 * Pairs the base render's objects with an environment render's: first by type and name; then, of the
 * objects left, those of a type with as many left on both sides, in render order (the render order does not
 * depend on the environment, and a renamed object — the Namespace, a content-hashed ConfigMap — keeps its
 * place). Objects left over have no counterpart.
 */
export function pairObjects(
  base: readonly K8sObject[],
  env: readonly K8sObject[],
): { pairs: ObjectPair[]; onlyBase: K8sObject[]; onlyEnv: K8sObject[] } {
  const envById = new Map(env.map((object) => [idOf(object), object]));
  const paired = new Map<K8sObject, K8sObject>();
  for (const object of base) {
    const match = envById.get(idOf(object));
    if (match !== undefined) paired.set(object, match);
  }
  const taken = new Set(paired.values());
  const leftBase = base.filter((object) => !paired.has(object));
  const leftEnv = env.filter((object) => !taken.has(object));
  for (const type of new Set(leftBase.map(typeOf))) {
    const from = leftBase.filter((object) => typeOf(object) === type);
    const to = leftEnv.filter((object) => typeOf(object) === type);
    if (from.length === to.length) from.forEach((object, i) => paired.set(object, to[i]!));
  }
  const used = new Set(paired.values());
  return {
    pairs: base.flatMap((object) => {
      const match = paired.get(object);
      return match === undefined ? [] : [{ base: object, env: match }];
    }),
    onlyBase: base.filter((object) => !paired.has(object)),
    onlyEnv: env.filter((object) => !used.has(object)),
  };
}
