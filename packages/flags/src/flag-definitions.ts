import { FlagdCore, MemoryStorage } from '@openfeature/flagd-core';
import {
  ErrorCode,
  type FlagMetadata,
  type JsonObject,
  type JsonValue,
  type Logger as OpenFeatureLogger,
} from '@openfeature/server-sdk';
import { deepFreeze } from './deep-freeze.js';
import {
  checkDocumentShape,
  describeValue,
  isJsonObject,
  kindOf,
  type FlagdDocument,
  type FlagState,
  type FlagValueKind,
  type FlagVariantValue,
} from './flag-document.js';
import { FlagDefinitionError, UnknownFlagError, type FlagIssue } from './flag-errors.js';
import { RefResolver } from './flag-refs.js';
import { issuesFromFlagdError } from './flagd-issues.js';
import { formatPath, type PathSegment } from './json-path.js';

/** One flag after validation, with `$ref`s resolved. */
export interface FlagDefinition {
  readonly key: string;
  readonly state: FlagState;
  /** The type shared by every variant. */
  readonly kind: FlagValueKind;
  readonly variants: Readonly<Record<string, FlagVariantValue>>;
  /** Null when the document names none: callers then get their own default (reason DEFAULT). */
  readonly defaultVariant: string | null;
  /** The JsonLogic rule with every `$ref` replaced; absent when the flag has no (or an empty) rule. */
  readonly targeting?: JsonObject;
  /** The flag's own metadata (the document's metadata is in {@link FlagSet.metadata}). */
  readonly metadata: FlagMetadata;
}

/** A validated, immutable flagd document: what the runtime serves and providers evaluate. */
export interface FlagSet {
  /** The document as written (with `$evaluators` and `$ref`s), deeply frozen: what goes on the wire. */
  readonly document: FlagdDocument;
  /** Every flag by key, in document order. */
  readonly flags: ReadonlyMap<string, FlagDefinition>;
  /** Flag-set metadata; flagd merges it under each flag's own metadata when evaluating. */
  readonly metadata: FlagMetadata;
}

/** What `opsloop flags set` changes on one flag: its default variant, its state, or both. */
export interface FlagChange {
  defaultVariant?: string;
  state?: FlagState;
}

const SILENT: OpenFeatureLogger = { error() {}, warn() {}, info() {}, debug() {} };

// The flagd-core evaluator of each FlagSet, compiled once at parse time; kept off the FlagSet itself so the
// FlagSet stays plain data.
const compiled = new WeakMap<FlagSet, FlagdCore>();

function toJson(input: unknown): unknown {
  if (typeof input === 'string') {
    try {
      return JSON.parse(input);
    } catch (error) {
      throw new FlagDefinitionError([
        { path: '(root)', message: `invalid JSON: ${(error as Error).message}` },
      ]);
    }
  }
  try {
    // A private copy: the caller keeps theirs, and values JSON cannot carry are dropped as the wire would.
    const text = JSON.stringify(input);
    return text === undefined ? undefined : JSON.parse(text);
  } catch (error) {
    throw new FlagDefinitionError([
      { path: '(root)', message: `not representable as JSON: ${(error as Error).message}` },
    ]);
  }
}

/** Why flagd could not compile a rule, when the rule's shape says so. */
function explainUncompilable(node: JsonValue, path: PathSegment[]): FlagIssue | undefined {
  if (Array.isArray(node)) {
    for (const [index, item] of node.entries()) {
      const found = explainUncompilable(item, [...path, index]);
      if (found) return found;
    }
    return undefined;
  }
  if (!isJsonObject(node)) return undefined;
  const keys = Object.keys(node);
  if (keys.length !== 1) {
    return {
      path: formatPath(path),
      message: `a JsonLogic operation has exactly one operator key, this object has ${keys.length} (${keys.join(', ')})`,
    };
  }
  const [operator] = keys as [string];
  return explainUncompilable(node[operator] as JsonValue, [...path, operator]);
}

/**
 * Parses and validates a flagd document (JSON text or an already parsed value) into a {@link FlagSet}.
 * Shape problems are checked here, `$ref`s are resolved against `$evaluators`, then flagd-core's own schema
 * validation and rule compilation run on the result.
 *
 * @throws FlagDefinitionError listing every problem with its path, e.g.
 *   `flags.new-checkout.defaultVariant: "on" is not a variant (variants: yes, no)`.
 */
export function parseFlagDefinitions(input: unknown): FlagSet {
  const raw = toJson(input);
  const issues = checkDocumentShape(raw);
  if (issues.length > 0) throw new FlagDefinitionError(issues);
  const document = raw as FlagdDocument;

  const resolver = new RefResolver(document.$evaluators ?? {}, issues);
  const resolvedFlags: [string, Record<string, unknown>][] = [];
  const targetings = new Map<string, JsonObject>();
  for (const [key, flag] of Object.entries(document.flags)) {
    const entry: Record<string, unknown> = {
      state: flag.state,
      variants: flag.variants,
      defaultVariant: flag.defaultVariant ?? null,
    };
    if (flag.metadata !== undefined) entry.metadata = flag.metadata;
    if (flag.targeting !== undefined && Object.keys(flag.targeting).length > 0) {
      const resolved = resolver.resolve(flag.targeting, ['flags', key, 'targeting']);
      if (isJsonObject(resolved)) {
        targetings.set(key, resolved);
        entry.targeting = resolved;
      } else if (resolved !== null) {
        issues.push({
          path: formatPath(['flags', key, 'targeting']),
          message: `expected a JsonLogic rule (an object) after resolving $ref, got ${describeValue(resolved)}`,
        });
      }
    }
    resolvedFlags.push([key, entry]);
  }
  if (issues.length > 0) throw new FlagDefinitionError(issues);

  // fromEntries defines own properties, so a flag keyed "__proto__" stays a flag.
  const validated = {
    flags: Object.fromEntries(resolvedFlags),
    ...(document.metadata ? { metadata: document.metadata } : {}),
  };
  const storage = new MemoryStorage(SILENT);
  try {
    storage.setConfigurations(JSON.stringify(validated), true);
  } catch (error) {
    throw new FlagDefinitionError(issuesFromFlagdError(error, validated), { cause: error });
  }

  const flags = new Map<string, FlagDefinition>();
  for (const [key, flag] of Object.entries(document.flags)) {
    const targeting = targetings.get(key);
    // flagd-core swallows rule compilation errors and answers PARSE_ERROR at evaluation: surface them now.
    const probe = storage.getFlag(key)?.evaluate({}, SILENT);
    if (targeting && probe?.reason === 'ERROR' && probe.errorCode === ErrorCode.PARSE_ERROR) {
      const path: PathSegment[] = ['flags', key, 'targeting'];
      issues.push(
        explainUncompilable(targeting, path) ?? {
          path: formatPath(path),
          message: 'not a valid JsonLogic rule (flagd could not compile it)',
        },
      );
      continue;
    }
    const variants = Object.values(flag.variants);
    flags.set(
      key,
      deepFreeze({
        key,
        state: flag.state,
        kind: kindOf(variants[0]) ?? 'object',
        variants: flag.variants,
        defaultVariant: flag.defaultVariant ?? null,
        ...(targeting ? { targeting } : {}),
        metadata: flag.metadata ?? {},
      }),
    );
  }
  if (issues.length > 0) throw new FlagDefinitionError(issues);

  const flagSet: FlagSet = deepFreeze({ document, flags, metadata: document.metadata ?? {} });
  compiled.set(flagSet, new FlagdCore(storage, SILENT));
  return flagSet;
}

/**
 * `input` itself when it is already a FlagSet, else the FlagSet parsed from it (a document or its JSON text).
 * @throws FlagDefinitionError
 */
export function asFlagSet(input: unknown): FlagSet {
  if (typeof input === 'object' && input !== null && (input as FlagSet).flags instanceof Map) {
    return input as FlagSet;
  }
  return parseFlagDefinitions(input);
}

/** A valid document with no flags. */
export function emptyFlagSet(): FlagSet {
  return parseFlagDefinitions({ flags: {} });
}

/**
 * The flagd-core evaluator of a flag set. Flag sets made by {@link parseFlagDefinitions} carry one already;
 * a hand-built one is compiled from its document on first use.
 */
export function flagdCoreOf(flagSet: FlagSet): FlagdCore {
  let core = compiled.get(flagSet);
  if (core === undefined) {
    core = flagdCoreOf(parseFlagDefinitions(flagSet.document));
    compiled.set(flagSet, core);
  }
  return core;
}

const CHANGE_KEYS = new Set(['defaultVariant', 'state']);

/**
 * Returns a new flag set with one flag's `defaultVariant` and/or `state` changed (what `opsloop flags set`
 * does). The input is left as it was; the result is fully validated.
 *
 * @throws UnknownFlagError when `key` is not a flag; FlagDefinitionError for a bad change.
 */
export function changeFlag(flagSet: FlagSet, key: string, change: FlagChange): FlagSet {
  if (!flagSet.flags.has(key)) throw new UnknownFlagError(key, [...flagSet.flags.keys()]);
  const path: PathSegment[] = ['flags', key];
  const given: unknown = change;
  if (!isJsonObject(given)) {
    throw new FlagDefinitionError([
      { path: formatPath(path), message: `expected a change object, got ${describeValue(given)}` },
    ]);
  }
  const issues: FlagIssue[] = [];
  for (const property of Object.keys(given)) {
    if (!CHANGE_KEYS.has(property)) {
      issues.push({
        path: formatPath([...path, property]),
        message: 'cannot be changed this way (only defaultVariant and state)',
      });
    }
  }
  if (given.defaultVariant === undefined && given.state === undefined) {
    issues.push({ path: formatPath(path), message: 'a change sets defaultVariant, state or both' });
  }
  if (given.defaultVariant !== undefined && typeof given.defaultVariant !== 'string') {
    issues.push({
      path: formatPath([...path, 'defaultVariant']),
      message: `expected a variant name (a string), got ${describeValue(given.defaultVariant)}`,
    });
  }
  if (issues.length > 0) throw new FlagDefinitionError(issues);

  const document = structuredClone(flagSet.document);
  const flag = document.flags[key]!;
  if (given.defaultVariant !== undefined) flag.defaultVariant = given.defaultVariant as string;
  if (given.state !== undefined) flag.state = given.state as FlagState;
  return parseFlagDefinitions(document);
}

/**
 * The keys of flags added, removed or changed (in any way flagd would evaluate differently, metadata
 * included) between two flag sets, sorted.
 */
export function changedFlagKeys(before: FlagSet | undefined, after: FlagSet): string[] {
  const old = before ? flagdCoreOf(before).getFlags() : new Map<string, { hash: string }>();
  const now = flagdCoreOf(after).getFlags();
  const changed = new Set<string>();
  for (const [key, flag] of now) if (old.get(key)?.hash !== flag.hash) changed.add(key);
  for (const key of old.keys()) if (!now.has(key)) changed.add(key);
  return [...changed].sort();
}
