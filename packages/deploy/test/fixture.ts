import { resolve } from 'node:path';
import { loadSpec, validateSpec, type SystemSpec } from '@opsloop/runtime';
import type { K8sObject, RenderOptions } from '../src/index.js';

/** The repository's own opsloop.yaml (the shop), loaded with the runtime's loader. */
export const SHOP_SPEC_PATH = resolve(import.meta.dirname, '../../../opsloop.yaml');

export async function shopSpec(): Promise<SystemSpec> {
  return (await loadSpec(SHOP_SPEC_PATH)).spec;
}

/** A validated spec named `demo` with these services (and any other top-level fields). */
export function specOf(services: Record<string, unknown>, extra: Record<string, unknown> = {}): SystemSpec {
  return validateSpec({
    apiVersion: 'opsloop.dev/v1alpha1',
    kind: 'System',
    metadata: { name: 'demo' },
    services,
    ...extra,
  });
}

/** A minimal service of the spec. */
export const svc = (name: string, more: Record<string, unknown> = {}): Record<string, unknown> => ({
  command: ['node', `services/${name}/dist/main.js`],
  ...more,
});

export const OPTIONS: RenderOptions = { imageTag: '1.2.3', imageRegistry: 'ghcr.io/opsloop' };

/** The one object of a kind and name; fails the test when missing. */
export function find(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined)
    throw new Error(
      `no ${kind}/${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  return found;
}

export const ofKind = (objects: readonly K8sObject[], kind: string): K8sObject[] =>
  objects.filter((o) => o.kind === kind);

/**
 * A rendered object's body, read by tests: the objects are plain JSON whose shape each test asserts, so the
 * type checker is of no help inside them (typing every path would only repeat the assertions).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

/** Reads a nested field (`spec.template.spec`) of a plain object. */
export function at(value: unknown, path: string): Loose {
  let current: Loose = value;
  for (const key of path.split('.')) current = current?.[key];
  return current;
}
