import {
  ErrorCode,
  OpenFeatureEventEmitter,
  StandardResolutionReasons,
  type EvaluationContext,
  type FlagValue,
  type JsonValue,
  type Logger as OpenFeatureLogger,
  type Provider,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import type { FlagSet } from './flag-definitions.js';
import { evaluateFlag } from './evaluate.js';

/**
 * An OpenFeature server provider that answers from a flag set held in memory: every evaluation is
 * synchronous work on the local copy (the promise is already settled), never I/O.
 */
export abstract class FlagSetProvider implements Provider {
  /** Always `server`: this provider is for the Node server SDK. */
  readonly runsOn = 'server' as const;
  /** Where the SDK listens for Ready, Stale and ConfigurationChanged. */
  readonly events = new OpenFeatureEventEmitter();
  /** Names the provider in OpenFeature's metadata. */
  abstract readonly metadata: { readonly name: string };

  /** The flags evaluations use now; undefined until loaded. */
  abstract get flagSet(): FlagSet | undefined;

  /** Resolves a boolean flag. */
  resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: EvaluationContext,
    logger?: OpenFeatureLogger,
  ): Promise<ResolutionDetails<boolean>> {
    return Promise.resolve(this.#resolve(flagKey, defaultValue, context, logger));
  }

  /** Resolves a string flag. */
  resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
    context: EvaluationContext,
    logger?: OpenFeatureLogger,
  ): Promise<ResolutionDetails<string>> {
    return Promise.resolve(this.#resolve(flagKey, defaultValue, context, logger));
  }

  /** Resolves a number flag. */
  resolveNumberEvaluation(
    flagKey: string,
    defaultValue: number,
    context: EvaluationContext,
    logger?: OpenFeatureLogger,
  ): Promise<ResolutionDetails<number>> {
    return Promise.resolve(this.#resolve(flagKey, defaultValue, context, logger));
  }

  /** Resolves an object flag. */
  resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
    logger?: OpenFeatureLogger,
  ): Promise<ResolutionDetails<T>> {
    return Promise.resolve(this.#resolve(flagKey, defaultValue, context, logger));
  }

  #resolve<T extends FlagValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
    logger?: OpenFeatureLogger,
  ): ResolutionDetails<T> {
    const flagSet = this.flagSet;
    if (flagSet === undefined) {
      return {
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.PROVIDER_NOT_READY,
        errorMessage: 'flags are not loaded yet',
      };
    }
    return evaluateFlag(flagSet, flagKey, defaultValue, context, logger);
  }
}
