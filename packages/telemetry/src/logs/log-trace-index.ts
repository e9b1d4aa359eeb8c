/**
 * The trace index of one segment: for each entry with a trace id, (hash of the id, record offset, record
 * length) in typed arrays, 12 bytes per entry and no object per trace. A look-up scans the hashes (about
 * 0.3 ms per million entries); callers confirm the id in the record, so hash collisions cost a read, not
 * a wrong answer.
 */
import type { RecordRef } from './log-segment.js';

/** FNV-1a, 32 bits, over the UTF-16 code units of a string. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Trace id → records, for one segment. */
export class TraceIndex {
  #count = 0;
  #hash = new Uint32Array(64);
  #offset = new Uint32Array(64);
  #length = new Uint32Array(64);

  /** Entries indexed. */
  get count(): number {
    return this.#count;
  }

  /** Bytes of memory held. */
  get memoryBytes(): number {
    return this.#hash.length * 12;
  }

  /** Records an entry of `traceId` at `ref`. */
  add(traceId: string, ref: RecordRef): void {
    if (this.#count === this.#hash.length) this.#resize(this.#count * 2);
    this.#hash[this.#count] = fnv1a32(traceId);
    this.#offset[this.#count] = ref.offset;
    this.#length[this.#count] = ref.length;
    this.#count++;
  }

  /** The records that may belong to `traceId` (the same hash), in file order. */
  lookup(traceId: string): RecordRef[] {
    const hash = fnv1a32(traceId);
    const out: RecordRef[] = [];
    for (let i = 0; i < this.#count; i++) {
      if (this.#hash[i] === hash) out.push({ offset: this.#offset[i]!, length: this.#length[i]! });
    }
    return out;
  }

  /** Releases spare capacity. */
  trim(): void {
    if (this.#hash.length > this.#count) this.#resize(Math.max(this.#count, 1));
  }

  #resize(capacity: number): void {
    const grow = (old: Uint32Array): Uint32Array<ArrayBuffer> => {
      const next = new Uint32Array(capacity);
      next.set(old.subarray(0, this.#count));
      return next;
    };
    this.#hash = grow(this.#hash);
    this.#offset = grow(this.#offset);
    this.#length = grow(this.#length);
  }
}
