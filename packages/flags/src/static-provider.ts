import { ProviderEvents } from '@openfeature/server-sdk';
import { asFlagSet, changedFlagKeys, type FlagSet } from './flag-definitions.js';
import { FlagSetProvider } from './flag-set-provider.js';

/** A provider over a fixed flag set, for tests and for services run without a runtime. */
export class StaticFlagProvider extends FlagSetProvider {
  /** Names the provider in OpenFeature's metadata. */
  readonly metadata = { name: 'opsloop-static' } as const;
  #flagSet: FlagSet;

  /** `flags`: a FlagSet, a flagd document or its JSON text. @throws FlagDefinitionError */
  constructor(flags: unknown) {
    super();
    this.#flagSet = asFlagSet(flags);
  }

  /** The flags evaluations use. */
  get flagSet(): FlagSet {
    return this.#flagSet;
  }

  /**
   * Swaps in new flags and emits ConfigurationChanged with the keys that changed (nothing when none did).
   * @throws FlagDefinitionError
   */
  update(flags: unknown): string[] {
    const next = asFlagSet(flags);
    const changed = changedFlagKeys(this.#flagSet, next);
    this.#flagSet = next;
    if (changed.length > 0) this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: changed });
    return changed;
  }
}

/**
 * A provider that always answers from `flags` (a FlagSet, a flagd document or its JSON text).
 * @throws FlagDefinitionError for an invalid document.
 */
export function createStaticFlagProvider(flags: unknown): StaticFlagProvider {
  return new StaticFlagProvider(flags);
}
