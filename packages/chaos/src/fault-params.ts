import type { z } from 'zod';
import { ChaosInputError } from './chaos-errors.js';
import { faultParamInfo, type FaultDefinition, type FaultParamInfo } from './fault-definition.js';
import type { FaultParams } from './injection.js';

/** A param value as it arrives: text from `--param k=v`, or a typed value from a JSON body. */
export type RawParamValue = string | number | boolean;

/**
 * Splits `--param k=v` pairs into a record (the value is everything after the first `=`); throws
 * {@link ChaosInputError} for a pair without `=`, an empty key, or a key given twice.
 */
export function parseParamPairs(pairs: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new ChaosInputError(`"${pair}" is not a param (expected key=value)`);
    const key = pair.slice(0, at).trim();
    if (key === '') throw new ChaosInputError(`"${pair}" is not a param (expected key=value)`);
    if (Object.hasOwn(result, key)) throw new ChaosInputError(`param "${key}" is given twice`);
    result[key] = pair.slice(at + 1);
  }
  return result;
}

/**
 * The fault's params with defaults filled in. Text values are coerced to the param's type (numbers, `true` /
 * `false`), so CLI pairs and JSON bodies go through the same checks. Throws {@link ChaosInputError} with one line:
 * an unknown param (naming the allowed ones), a missing required one, a value of the wrong type or out of range.
 */
export function parseFaultParams(
  fault: FaultDefinition,
  raw: Readonly<Record<string, RawParamValue>>,
): FaultParams {
  const infos = faultParamInfo(fault);
  const byName = new Map(infos.map((info) => [info.name, info]));
  const input: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    const info = byName.get(name);
    if (info === undefined) {
      const allowed = infos.length > 0 ? infos.map((i) => i.name).join(', ') : 'none';
      throw new ChaosInputError(`${fault.name}: unknown param "${name}" (allowed: ${allowed})`);
    }
    input[name] = coerce(fault.name, info, value);
  }
  const result = fault.params.safeParse(input);
  if (result.success) return result.data;
  throw new ChaosInputError(describeIssue(fault.name, result.error.issues[0], byName, input));
}

function coerce(fault: string, info: FaultParamInfo, value: RawParamValue): unknown {
  // A JSON body may carry `"value": 5` for a text param: the text is what was meant.
  if (info.type === 'string') return typeof value === 'string' ? value : String(value);
  if (typeof value !== 'string') return value;
  if (info.type === 'integer' || info.type === 'number') {
    const text = value.trim();
    // Number('') is 0 and Number('0x10') is 16: accept plain decimals only.
    if (!/^-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i.test(text)) {
      throw new ChaosInputError(`${fault}: ${info.name} must be ${expectation(info)} (got "${value}")`);
    }
    return Number(text);
  }
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ChaosInputError(`${fault}: ${info.name} must be true or false (got "${value}")`);
}

function expectation(info: FaultParamInfo): string {
  if (info.values !== undefined) return `one of ${info.values.join(', ')}`;
  const what =
    info.type === 'integer' ? 'an integer' : info.type === 'number' ? 'a number' : `a ${info.type}`;
  return info.range !== undefined ? `${what} in ${info.range}` : what;
}

function describeIssue(
  fault: string,
  issue: z.core.$ZodIssue | undefined,
  byName: ReadonlyMap<string, FaultParamInfo>,
  input: Readonly<Record<string, unknown>>,
): string {
  if (issue === undefined) return `${fault}: invalid params`;
  const name = String(issue.path[0] ?? '');
  const info = byName.get(name);
  if (info === undefined) return `${fault}: ${issue.message}`;
  if (!(name in input))
    return `${fault}: param "${name}" is required (${info.description.replace(/\.$/, '')})`;
  const got = JSON.stringify(input[name]);
  if (info.type === 'string' && info.values === undefined)
    return `${fault}: ${name} ${issue.message} (got ${got})`;
  return `${fault}: ${name} must be ${expectation(info)} (got ${got})`;
}
