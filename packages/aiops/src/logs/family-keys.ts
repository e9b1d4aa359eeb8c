import { WILDCARD } from './masking.js';

/**
 * Family keys of a template: one per constant position, naming the template with that position blanked, so
 * that templates differing in exactly one word share a key. Two 32-bit polynomial hashes of the token
 * sequence; blanking position i subtracts its term, so all keys cost one pass. A collision does no harm:
 * members are compared token by token (`sameExcept`) before any merge. No keys when fewer than
 * `minContext` other words would be shared (`X startup succeeded` names daemons, not values).
 */
export function familyKeysOf(tokens: readonly string[], minContext: number): string[] {
  let constants = 0;
  for (const t of tokens) if (t !== WILDCARD) constants++;
  const keys: string[] = [];
  if (constants - 1 < minContext) return keys;
  const n = tokens.length;
  const ha = new Array<number>(n);
  const hb = new Array<number>(n);
  let sumA = 0;
  let sumB = 0;
  let powA = 1;
  let powB = 1;
  for (let i = 0; i < n; i++) {
    const [a, b] = tokenHashes(tokens[i] as string);
    ha[i] = Math.imul(a, powA);
    hb[i] = Math.imul(b, powB);
    sumA = (sumA + (ha[i] as number)) | 0;
    sumB = (sumB + (hb[i] as number)) | 0;
    powA = Math.imul(powA, 0x01000193);
    powB = Math.imul(powB, 0x5bd1e995);
  }
  for (let i = 0; i < n; i++) {
    if (tokens[i] === WILDCARD) continue;
    keys.push(`${n}:${i}:${(sumA - (ha[i] as number)) | 0}:${(sumB - (hb[i] as number)) | 0}`);
  }
  return keys;
}

/** The blanked position of a family key. */
export function familyPosition(key: string): number {
  return Number(key.split(':')[1]);
}

/** True when the two token lists are equal except (perhaps) at `position`. */
export function sameExcept(a: readonly string[], b: readonly string[], position: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (i !== position && a[i] !== b[i]) return false;
  return true;
}

function tokenHashes(token: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 13);
  }
  return [a | 0, b | 0];
}
