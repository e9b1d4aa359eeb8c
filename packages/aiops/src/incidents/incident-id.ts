/** Incident ids: ULIDs (time-ordered, so ids sort like the incidents' opening times). */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID for `timeMs` (48-bit time, 80 random bits), in Crockford base 32. */
export function ulid(timeMs: number): string {
  let time = Math.max(0, Math.floor(timeMs));
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = ALPHABET[time % 32]! + head;
    time = Math.floor(time / 32);
  }
  const bytes = randomBytes(16);
  let tail = '';
  for (let i = 0; i < 16; i++) tail += ALPHABET[bytes[i]! % 32]!;
  return head + tail;
}
