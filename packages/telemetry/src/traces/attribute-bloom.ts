/**
 * A per-trace Bloom filter of the trace's attribute pairs (`key` = text of value, span and resource
 * attributes): 32 bytes per trace instead of a set of strings, so the store can skip, without reading
 * them from disk, the traces that certainly lack an attribute a search asks for. False positives only
 * cost a disk read; there are no false negatives.
 */
import { attributeText, type Attributes } from './span.js';

/** Bits per filter (a power of two). */
const BITS = 256;
const HASHES = 3;

/** A new, empty filter. */
export function newAttributeBloom(): Uint8Array {
  return new Uint8Array(BITS / 8);
}

// FNV-1a over the key, a separator and the value text, then a second mix for double hashing.
function hashPair(key: string, text: string): [number, number] {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0xffff, 0x01000193);
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  const h2 = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) | 1;
  return [h >>> 0, h2 >>> 0];
}

function positions(key: string, text: string): number[] {
  const [h1, h2] = hashPair(key, text);
  const out: number[] = [];
  for (let i = 0; i < HASHES; i++) out.push(((h1 + Math.imul(i, h2)) >>> 0) & (BITS - 1));
  return out;
}

/** Adds every attribute pair of `attributes` to `bloom`. */
export function addAttributes(bloom: Uint8Array, attributes: Attributes): void {
  for (const key of Object.keys(attributes)) {
    for (const bit of positions(key, attributeText(attributes[key]!))) bloom[bit >>> 3]! |= 1 << (bit & 7);
  }
}

/** Whether `bloom` may hold the pair (false: it certainly does not). */
export function mayHaveAttribute(bloom: Uint8Array, key: string, text: string): boolean {
  return positions(key, text).every((bit) => (bloom[bit >>> 3]! & (1 << (bit & 7))) !== 0);
}
