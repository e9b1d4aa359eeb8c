/** Number of partitions of every stream. Fixed: changing it would reorder keys already in flight. */
export const PARTITION_COUNT = 8;

const encoder = new TextEncoder();

/**
 * The partition of an ordering key: 32-bit FNV-1a of its UTF-8 bytes, modulo {@link PARTITION_COUNT}.
 * Stable across processes, versions and adapters (both adapters and any other client must agree).
 */
export function partitionOf(key: string): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(key)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % PARTITION_COUNT;
}
