import { stringify } from 'yaml';
import type { K8sObject } from './k8s-object.js';

const HEAD = ['apiVersion', 'kind', 'metadata'];

/** Options of {@link toYaml}. */
export interface ToYamlOptions {
  /**
   * Quote strings that need it with single quotes (as the repository's Prettier does), so checked-in files
   * stay as written when Prettier runs over them. By default the yaml library picks the quotes.
   */
  singleQuote?: boolean;
}

/** apiVersion, kind and metadata first (as kubectl prints them), then the body in the order it was built. */
function ordered(object: K8sObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of HEAD) if (key in object) out[key] = object[key];
  for (const [key, value] of Object.entries(object)) if (!HEAD.includes(key)) out[key] = value;
  return out;
}

/**
 * A multi-document YAML stream of the objects, `---` between documents, in their order. The same objects
 * give the same bytes: keys keep the order the renderer built them in, lines are never folded (PromQL
 * queries stay on one line) and no anchors or aliases are emitted.
 */
export function toYaml(objects: readonly K8sObject[], options: ToYamlOptions = {}): string {
  return objects
    .map((object) =>
      stringify(ordered(object), {
        lineWidth: 0,
        aliasDuplicateObjects: false,
        ...(options.singleQuote === undefined ? {} : { singleQuote: options.singleQuote }),
      }),
    )
    .join('---\n');
}
