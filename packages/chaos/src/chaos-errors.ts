import type { Injection } from './injection.js';

/** Bad input from a user or a caller: an unknown fault, a bad param, a bad duration. One-line message. */
export class ChaosInputError extends Error {
  override readonly name = 'ChaosInputError';
}

/** The target does not fit: an unknown service, a replica not of the service, a dependency it does not have. */
export class ChaosTargetError extends Error {
  override readonly name = 'ChaosTargetError';
}

/** An injection id the manager does not know. */
export class UnknownInjectionError extends Error {
  override readonly name = 'UnknownInjectionError';
}

/** A fault could not be applied anywhere; `injection` is the record (status 'failed', with its `errors`). */
export class ChaosApplyError extends Error {
  override readonly name = 'ChaosApplyError';
  /** The failed injection, as recorded. */
  readonly injection: Injection;

  /** `message` is one line; `injection` is the failed record. */
  constructor(message: string, injection: Injection) {
    super(message);
    this.injection = injection;
  }
}
