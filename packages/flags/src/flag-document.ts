import type { FlagMetadata, JsonObject, JsonValue } from '@openfeature/server-sdk';
import type { FlagIssue } from './flag-errors.js';
import { formatPath, type PathSegment } from './json-path.js';

/** Whether a flag is served (`ENABLED`) or answers every caller with their own default (`DISABLED`). */
export type FlagState = 'ENABLED' | 'DISABLED';

/** The value type of a flag; every variant of one flag has the same kind. */
export type FlagValueKind = 'boolean' | 'string' | 'number' | 'object';

/** The value of one variant. */
export type FlagVariantValue = boolean | string | number | JsonObject;

/** One flag as written in a flagd document (https://flagd.dev/reference/flag-definitions/). */
export interface FlagdFlag {
  state: FlagState;
  variants: Record<string, FlagVariantValue>;
  /** Absent or null: no default variant, so callers get their own default value (reason DEFAULT). */
  defaultVariant?: string | null;
  /** A JsonLogic rule (flagd operators included) that returns a variant name; may contain `$ref`s. */
  targeting?: JsonObject;
  metadata?: FlagMetadata;
}

/** A flagd flag definition document. */
export interface FlagdDocument {
  $schema?: string;
  flags: Record<string, FlagdFlag>;
  /** Shared JsonLogic fragments that targeting rules include with `{"$ref": "<name>"}`. */
  $evaluators?: Record<string, JsonValue>;
  metadata?: FlagMetadata;
}

const DOCUMENT_KEYS = new Set(['$schema', 'flags', '$evaluators', 'metadata']);
const FLAG_KEYS = new Set(['state', 'variants', 'defaultVariant', 'targeting', 'metadata']);

/** True for a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The variant kind of a value, or undefined when flagd cannot serve it (null, arrays). */
export function kindOf(value: unknown): FlagValueKind | undefined {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return Number.isFinite(value) ? 'number' : undefined;
  return isJsonObject(value) ? 'object' : undefined;
}

/** A short description of a value for error messages: `a string ("on")`, `an array`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `a string (${JSON.stringify(shown)})`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `a ${typeof value} (${String(value)})`;
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

function article(kind: FlagValueKind): string {
  return kind === 'object' ? 'an object' : `a ${kind}`;
}

class IssueList {
  readonly issues: FlagIssue[] = [];
  add(path: readonly PathSegment[], message: string): void {
    this.issues.push({ path: formatPath(path), message });
  }
}

function checkMetadata(value: unknown, path: PathSegment[], out: IssueList): void {
  if (!isJsonObject(value)) {
    out.add(path, `expected an object of string, number or boolean values, got ${describeValue(value)}`);
    return;
  }
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string' && typeof entry !== 'boolean' && typeof entry !== 'number') {
      out.add(
        [...path, key],
        `metadata values must be strings, numbers or booleans, got ${describeValue(entry)}`,
      );
    }
  }
}

function checkVariants(value: unknown, path: PathSegment[], out: IssueList): Set<string> {
  const names = new Set<string>();
  if (!isJsonObject(value)) {
    out.add(path, `expected an object mapping variant names to values, got ${describeValue(value)}`);
    return names;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) out.add(path, 'a flag needs at least one variant');
  let first: { name: string; kind: FlagValueKind } | undefined;
  for (const [name, variant] of entries) {
    names.add(name);
    if (name === '') out.add(path, 'a variant name must not be empty');
    const kind = kindOf(variant);
    if (kind === undefined) {
      out.add(
        [...path, name],
        `a variant must be a boolean, string, number or object, got ${describeValue(variant)}`,
      );
    } else if (first === undefined) {
      first = { name, kind };
    } else if (kind !== first.kind) {
      out.add(
        [...path, name],
        `variant types are mixed: expected ${article(first.kind)} like variant "${first.name}", got ${describeValue(variant)}`,
      );
    }
  }
  return names;
}

function checkFlag(key: string, flag: unknown, out: IssueList): void {
  const path: PathSegment[] = ['flags', key];
  if (key === '') out.add(['flags'], 'a flag key must not be empty');
  if (!isJsonObject(flag)) {
    out.add(path, `expected a flag object, got ${describeValue(flag)}`);
    return;
  }
  for (const property of Object.keys(flag)) {
    if (!FLAG_KEYS.has(property)) {
      out.add([...path, property], `unknown property (a flag has ${[...FLAG_KEYS].join(', ')})`);
    }
  }
  if (flag.state !== 'ENABLED' && flag.state !== 'DISABLED') {
    out.add(
      [...path, 'state'],
      flag.state === undefined
        ? 'required: "ENABLED" or "DISABLED"'
        : `expected "ENABLED" or "DISABLED", got ${describeValue(flag.state)}`,
    );
  }
  const variants = checkVariants(flag.variants, [...path, 'variants'], out);
  const defaultVariant = flag.defaultVariant;
  if (typeof defaultVariant === 'string') {
    if (isJsonObject(flag.variants) && !variants.has(defaultVariant)) {
      out.add(
        [...path, 'defaultVariant'],
        `${JSON.stringify(defaultVariant)} is not a variant (variants: ${[...variants].join(', ') || 'none'})`,
      );
    }
  } else if (defaultVariant !== undefined && defaultVariant !== null) {
    out.add(
      [...path, 'defaultVariant'],
      `expected a variant name (a string) or null, got ${describeValue(defaultVariant)}`,
    );
  }
  if ('targeting' in flag && !isJsonObject(flag.targeting)) {
    out.add(
      [...path, 'targeting'],
      `expected a JsonLogic rule (an object), got ${describeValue(flag.targeting)}`,
    );
  }
  if (flag.metadata !== undefined) checkMetadata(flag.metadata, [...path, 'metadata'], out);
}

/**
 * Checks the shape of a flagd document (root, flags, states, variants and their types, default variants,
 * metadata) and returns every problem with its path. JsonLogic itself is checked later, by flagd-core.
 */
export function checkDocumentShape(document: unknown): FlagIssue[] {
  const out = new IssueList();
  if (!isJsonObject(document)) {
    out.add([], `expected a flagd document (a JSON object with "flags"), got ${describeValue(document)}`);
    return out.issues;
  }
  for (const property of Object.keys(document)) {
    if (!DOCUMENT_KEYS.has(property)) {
      out.add([property], `unknown property (a flagd document has ${[...DOCUMENT_KEYS].join(', ')})`);
    }
  }
  if (document.$schema !== undefined && typeof document.$schema !== 'string') {
    out.add(['$schema'], `expected a string, got ${describeValue(document.$schema)}`);
  }
  if (document.flags === undefined) out.add(['flags'], 'required: an object mapping flag keys to flags');
  else if (!isJsonObject(document.flags)) {
    out.add(['flags'], `expected an object mapping flag keys to flags, got ${describeValue(document.flags)}`);
  } else {
    for (const [key, flag] of Object.entries(document.flags)) checkFlag(key, flag, out);
  }
  if (document.$evaluators !== undefined && !isJsonObject(document.$evaluators)) {
    out.add(
      ['$evaluators'],
      `expected an object mapping names to JsonLogic, got ${describeValue(document.$evaluators)}`,
    );
  }
  if (document.metadata !== undefined) checkMetadata(document.metadata, ['metadata'], out);
  return out.issues;
}
