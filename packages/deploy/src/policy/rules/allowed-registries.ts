import { formatMessage } from '../message.js';
import { containers, POD_MATCH, violation } from '../pods.js';
import { regoString } from '../rego-library.js';
import type { PolicyRule } from '../types.js';

const messages = {
  registry: 'container "%s" image "%s" is not from an allowed registry (%s)',
};

/** `ghcr.io/opsloop` allows `ghcr.io/opsloop/cart:1`, not `ghcr.io/opsloop-fork/cart:1`: a whole segment. */
export function fromRegistry(image: string, registry: string): boolean {
  return image.startsWith(`${registry.replace(/\/+$/, '')}/`);
}

/** Images only from the registries the organisation controls (and scans). */
export const allowedRegistries: PolicyRule = {
  id: 'allowed-registries',
  constraintKind: 'OpsloopAllowedRegistries',
  title: 'Images come only from allowed registries',
  severity: 'error',
  messages,
  match: POD_MATCH,
  parameters: {
    schema: {
      type: 'object',
      properties: {
        registries: {
          type: 'array',
          description: 'registry prefixes, matched up to a / (ghcr.io/opsloop)',
          items: { type: 'string' },
        },
      },
    },
    values: (options) => ({ registries: [...options.allowedRegistries] }),
  },
  check: (objects, options) =>
    containers(objects).flatMap((c) => {
      const image = c.container['image'];
      if (typeof image !== 'string') return [];
      if (options.allowedRegistries.some((registry) => fromRegistry(image, registry))) return [];
      return [
        violation(
          'allowed-registries',
          c.pod.object,
          `${c.path}.image`,
          formatMessage(messages.registry, [c.name, image, options.allowedRegistries.join(', ')]),
        ),
      ];
    }),
  rego: `allowed(image) {
  registry := input.parameters.registries[_]
  startswith(image, concat("", [trim_right(registry, "/"), "/"]))
}

violation[{"msg": msg}] {
  c := containers[_]
  image := c.container.image
  not allowed(image)
  msg := sprintf(${regoString(messages.registry)}, [c.container.name, image, concat(", ", input.parameters.registries)])
}
`,
};
