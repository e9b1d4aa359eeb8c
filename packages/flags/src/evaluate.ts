import {
  ErrorCode,
  StandardResolutionReasons,
  type EvaluationContext,
  type FlagValue,
  type FlagValueType,
  type JsonValue,
  type Logger as OpenFeatureLogger,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import { flagdCoreOf, type FlagSet } from './flag-definitions.js';

/** The flag type a default value asks for. */
function typeOf(value: unknown): FlagValueType | undefined {
  switch (typeof value) {
    case 'boolean':
    case 'string':
    case 'number':
      return typeof value as FlagValueType;
    case 'object':
      return value === null ? undefined : 'object';
    default:
      return undefined;
  }
}

/**
 * Evaluates one flag of a flag set with flagd's semantics and evaluator (JsonLogic targeting, `fractional`
 * rollouts bucketed by murmur3 of flag key + `targetingKey`, `sem_ver`, `starts_with`, `ends_with`).
 * Pure and synchronous: no I/O. The expected type is that of `defaultValue`.
 *
 * Reasons: STATIC (no rule), TARGETING_MATCH, DEFAULT (rule returned null, or no default variant), DISABLED
 * (the caller's default is returned), ERROR with FLAG_NOT_FOUND, TYPE_MISMATCH, PARSE_ERROR or GENERAL (a
 * rule failed or named a variant that does not exist); on ERROR the value is the caller's default.
 */
export function evaluateFlag(
  flagSet: FlagSet,
  key: string,
  defaultValue: boolean,
  context?: EvaluationContext,
  logger?: OpenFeatureLogger,
): ResolutionDetails<boolean>;
/** Evaluates a string flag; see the boolean overload. */
export function evaluateFlag(
  flagSet: FlagSet,
  key: string,
  defaultValue: string,
  context?: EvaluationContext,
  logger?: OpenFeatureLogger,
): ResolutionDetails<string>;
/** Evaluates a number flag; see the boolean overload. */
export function evaluateFlag(
  flagSet: FlagSet,
  key: string,
  defaultValue: number,
  context?: EvaluationContext,
  logger?: OpenFeatureLogger,
): ResolutionDetails<number>;
/** Evaluates an object flag; see the boolean overload. */
export function evaluateFlag<T extends JsonValue>(
  flagSet: FlagSet,
  key: string,
  defaultValue: T,
  context?: EvaluationContext,
  logger?: OpenFeatureLogger,
): ResolutionDetails<T>;
export function evaluateFlag<T extends FlagValue>(
  flagSet: FlagSet,
  key: string,
  defaultValue: T,
  context: EvaluationContext = {},
  logger?: OpenFeatureLogger,
): ResolutionDetails<T> {
  const type = typeOf(defaultValue);
  if (type === undefined) {
    return {
      value: defaultValue,
      reason: StandardResolutionReasons.ERROR,
      errorCode: ErrorCode.TYPE_MISMATCH,
      errorMessage: `the default value of flag '${key}' must be a boolean, string, number or object`,
    };
  }
  try {
    return flagdCoreOf(flagSet).resolve(type, key, defaultValue, context, logger);
  } catch (error) {
    // A document that cannot be compiled (only possible for a hand-built FlagSet) must not break the caller.
    return {
      value: defaultValue,
      reason: StandardResolutionReasons.ERROR,
      errorCode: ErrorCode.PARSE_ERROR,
      errorMessage: error instanceof Error ? error.message : String(error),
    };
  }
}
