/**
 * The life of the access-token signing keys, as pure functions of the stored keys and the time.
 *
 *     created (pending) ──activates_at──► active (signs) ──successor activates──► retired ──+ retention──► pruned
 *
 * - A new key is published in the JWKS as soon as it is stored, but signs only from its `activatesAt`,
 *   which rotation sets a publish lead ahead: verifiers that cache the JWKS learn it before any token uses it.
 * - The active key is the one with the latest `activatesAt` not in the future.
 * - A key that a successor replaced stays in the JWKS for the retention (the longest token lifetime plus a
 *   clock-skew allowance) after the successor activated, so every token it signed can still be verified; then
 *   it is pruned (deleted with its private half).
 */

/** The parts of a stored key that its life depends on. */
export interface KeyTimes {
  kid: string;
  activatesAt: Date;
}

function byActivation<K extends KeyTimes>(keys: readonly K[]): K[] {
  // Ties (two replicas created a first key at the same instant) are broken by kid, so every replica agrees.
  return [...keys].sort(
    (a, b) =>
      a.activatesAt.getTime() - b.activatesAt.getTime() || (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0),
  );
}

/** The key that signs at `now`, or undefined when none has activated yet. */
export function activeKey<K extends KeyTimes>(keys: readonly K[], now: number): K | undefined {
  return byActivation(keys)
    .filter((key) => key.activatesAt.getTime() <= now)
    .at(-1);
}

/** When `key` stopped signing: the activation of its successor, or undefined while it is the newest. */
function retiredAt<K extends KeyTimes>(sorted: readonly K[], index: number): number | undefined {
  return sorted[index + 1]?.activatesAt.getTime();
}

/**
 * The keys to publish at `now`: pending ones, the active one, and retired ones whose successor activated less
 * than `retentionMs` ago. Oldest first.
 */
export function publishedKeys<K extends KeyTimes>(keys: readonly K[], now: number, retentionMs: number): K[] {
  const sorted = byActivation(keys);
  const active = activeKey(sorted, now);
  return sorted.filter((key, index) => {
    if (key === active || key.activatesAt.getTime() > now) return true;
    const retired = retiredAt(sorted, index);
    return retired !== undefined && retired > now - retentionMs;
  });
}

/** The keys that no token still valid at `now` can name: safe to delete. */
export function prunableKeys<K extends KeyTimes>(keys: readonly K[], now: number, retentionMs: number): K[] {
  const published = new Set(publishedKeys(keys, now, retentionMs));
  return keys.filter((key) => !published.has(key));
}

/**
 * Whether a rotation is due at `now`: the active key activated at least `rotateAfterMs` ago and no successor
 * is pending. With no key at all a first key is needed (see {@link needsFirstKey}), not a rotation.
 */
export function rotationDue<K extends KeyTimes>(
  keys: readonly K[],
  now: number,
  rotateAfterMs: number,
): boolean {
  const active = activeKey(keys, now);
  if (active === undefined) return false;
  const pending = keys.some((key) => key.activatesAt.getTime() > now);
  return !pending && active.activatesAt.getTime() + rotateAfterMs <= now;
}

/** Whether there is no key that signs now or will (the first start). */
export function needsFirstKey<K extends KeyTimes>(keys: readonly K[], now: number): boolean {
  return activeKey(keys, now) === undefined && !keys.some((key) => key.activatesAt.getTime() > now);
}
