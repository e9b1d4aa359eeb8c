import type { FlagIssue } from './flag-errors.js';
import { formatPath, pointerToSegments } from './json-path.js';

/** The part of an Ajv error that flagd-core puts in its ParseError message. */
interface SchemaError {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

// Combinators only say "none of the alternatives matched"; the alternatives' own errors say why.
const COMBINATORS = new Set(['anyOf', 'oneOf', 'allOf', 'if', 'not']);

function isSchemaError(value: unknown): value is SchemaError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as SchemaError).instancePath === 'string' &&
    typeof (value as SchemaError).keyword === 'string'
  );
}

/** flagd-core's ParseError message is `invalid flagd flag configuration: <JSON array of Ajv errors>`. */
function schemaErrorsIn(message: string): SchemaError[] | undefined {
  const start = message.indexOf(': [');
  if (start < 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(message.slice(start + 2));
    return Array.isArray(parsed) && parsed.every(isSchemaError) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function render(error: SchemaError, inTargeting: boolean): string {
  const params = error.params ?? {};
  switch (error.keyword) {
    case 'additionalProperties':
      return inTargeting
        ? `unknown or misused JsonLogic operator ${JSON.stringify(params.additionalProperty)}`
        : `unexpected property ${JSON.stringify(params.additionalProperty)}`;
    case 'type': {
      const type = String(params.type);
      return `expected ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
    }
    case 'enum':
      return `expected one of ${JSON.stringify(params.allowedValues)}`;
    case 'required':
      return `missing ${JSON.stringify(params.missingProperty)}`;
    default:
      return error.message ?? error.keyword;
  }
}

/**
 * Turns flagd-core's schema errors into issues with paths. A schema with alternatives (a JsonLogic rule may be
 * any of dozens of operators) reports a failure for every alternative; the deepest ones name the real cause,
 * so only those are kept.
 */
export function issuesFromFlagdError(error: unknown, validated: unknown): FlagIssue[] {
  const message = error instanceof Error ? error.message : String(error);
  const errors = schemaErrorsIn(message);
  if (errors === undefined || errors.length === 0) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return [{ path: '(root)', message: `flagd rejected the document: ${message}${cause}` }];
  }
  const specific = errors.filter((e) => !COMBINATORS.has(e.keyword));
  const candidates = specific.length > 0 ? specific : errors;
  const depth = (e: SchemaError): number => (e.instancePath === '' ? 0 : e.instancePath.split('/').length);
  const deepest = Math.max(...candidates.map(depth));
  const byPath = new Map<string, Set<string>>();
  for (const candidate of candidates.filter((e) => depth(e) === deepest)) {
    const segments = pointerToSegments(candidate.instancePath, validated);
    const inTargeting = segments[0] === 'flags' && segments[2] === 'targeting';
    const path = formatPath(segments);
    const messages = byPath.get(path) ?? new Set<string>();
    messages.add(render(candidate, inTargeting));
    byPath.set(path, messages);
  }
  return [...byPath].map(([path, messages]) => ({
    path,
    message: [...messages].join(' or '),
  }));
}
