// The set-up most gateway suites repeat: cleanups run after each test, one token issuer for the whole file.
import { afterEach, beforeAll } from 'vitest';
import { createCleanups, createTokenIssuer, type Cleanups, type TokenIssuer } from '../support.js';

/** What {@link gatewaySuite} gives a test file. */
export interface GatewaySuite {
  /** Run (in reverse order) after each test. */
  readonly cleanups: Cleanups;
  /** The file's token issuer, made in `beforeAll`; usable from then on (its methods throw before). */
  readonly issuer: TokenIssuer;
}

/**
 * Registers the file's hooks: `afterEach` runs the cleanups, `beforeAll` makes the token issuer. Call it at
 * the top of a test file, before its own hooks, so the issuer exists when they run.
 */
export function gatewaySuite(): GatewaySuite {
  const cleanups = createCleanups();
  afterEach(() => cleanups.run());
  let made: TokenIssuer | undefined;
  beforeAll(async () => {
    made = await createTokenIssuer();
  });
  const current = (): TokenIssuer => {
    if (made === undefined) throw new Error('the token issuer is made in beforeAll');
    return made;
  };
  // Delegates, so a file can hold `issuer` in a const at load time, before beforeAll made it.
  const issuer: TokenIssuer = {
    get kid() {
      return current().kid;
    },
    jwks: () => current().jwks(),
    sign: (claims, now) => current().sign(claims, now),
    rotate: () => current().rotate(),
  };
  return { cleanups, issuer };
}
