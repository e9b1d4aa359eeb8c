import type { JsonValue } from '@openfeature/server-sdk';
import { isJsonObject } from './flag-document.js';
import type { FlagIssue } from './flag-errors.js';
import { formatPath, type PathSegment } from './json-path.js';

const REF = '$ref';

/** The `{"$ref": …}` target of a reference node, or undefined when `node` is not a reference. */
function refTarget(node: JsonValue): { name: unknown } | undefined {
  return isJsonObject(node) && Object.keys(node).length === 1 && REF in node
    ? { name: node[REF] }
    : undefined;
}

/**
 * Replaces every `{"$ref": "<name>"}` in targeting rules with the named `$evaluators` entry (which may itself
 * use `$ref`s), as flagd does. Unknown names and reference cycles are reported with their paths.
 */
export class RefResolver {
  readonly #evaluators: Readonly<Record<string, JsonValue>>;
  readonly #resolved = new Map<string, JsonValue>();
  readonly #failed = new Set<string>();
  readonly #issues: FlagIssue[];

  /** `issues` collects the problems found while resolving. */
  constructor(evaluators: Readonly<Record<string, JsonValue>>, issues: FlagIssue[]) {
    this.#evaluators = evaluators;
    this.#issues = issues;
  }

  /** A copy of `node` with every `$ref` replaced; `path` locates `node` for error messages. */
  resolve(node: JsonValue, path: readonly PathSegment[]): JsonValue {
    return this.#walk(node, [...path], []);
  }

  #walk(node: JsonValue, path: PathSegment[], stack: readonly string[]): JsonValue {
    const ref = refTarget(node);
    if (ref !== undefined) return this.#lookup(ref.name, [...path, REF], stack);
    if (Array.isArray(node)) return node.map((item, index) => this.#walk(item, [...path, index], stack));
    if (isJsonObject(node)) {
      // fromEntries defines own properties, so a key named "__proto__" stays a key.
      return Object.fromEntries(
        Object.entries(node).map(([key, value]) => [key, this.#walk(value, [...path, key], stack)]),
      );
    }
    return node;
  }

  #lookup(name: unknown, path: PathSegment[], stack: readonly string[]): JsonValue {
    if (typeof name !== 'string') {
      this.#issue(path, `expected the name of an $evaluators entry (a string), got ${JSON.stringify(name)}`);
      return null;
    }
    if (!Object.hasOwn(this.#evaluators, name)) {
      const known = Object.keys(this.#evaluators);
      this.#issue(
        path,
        `unknown evaluator ${JSON.stringify(name)} (${known.length > 0 ? `$evaluators has: ${known.join(', ')}` : 'the document has no $evaluators'})`,
      );
      return null;
    }
    if (stack.includes(name)) {
      this.#issue(path, `reference cycle: ${[...stack, name].join(' → ')}`);
      return null;
    }
    const cached = this.#resolved.get(name);
    if (cached !== undefined) return cached;
    if (this.#failed.has(name)) return null;
    const before = this.#issues.length;
    const resolved = this.#walk(this.#evaluators[name] as JsonValue, ['$evaluators', name], [...stack, name]);
    // An evaluator with its own problems is reported once, where it is defined, not at every use.
    if (this.#issues.length > before) this.#failed.add(name);
    else this.#resolved.set(name, resolved);
    return resolved;
  }

  #issue(path: readonly PathSegment[], message: string): void {
    this.#issues.push({ path: formatPath(path), message });
  }
}
