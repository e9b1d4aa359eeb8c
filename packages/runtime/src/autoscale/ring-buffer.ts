/** A fixed-capacity list that forgets its oldest entry when full. */
export class RingBuffer<T> {
  readonly #items: (T | undefined)[];
  #start = 0;
  #length = 0;

  constructor(capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) {
      throw new RangeError(`capacity must be an integer ≥ 1, got ${capacity}`);
    }
    this.#items = new Array<T | undefined>(capacity);
  }

  /** Entries held. */
  get length(): number {
    return this.#length;
  }

  /** Appends `item`, dropping the oldest entry if the buffer is full. */
  push(item: T): void {
    const capacity = this.#items.length;
    if (this.#length < capacity) {
      this.#items[(this.#start + this.#length) % capacity] = item;
      this.#length++;
    } else {
      this.#items[this.#start] = item;
      this.#start = (this.#start + 1) % capacity;
    }
  }

  /** The newest entry, if any. */
  last(): T | undefined {
    if (this.#length === 0) return undefined;
    return this.#items[(this.#start + this.#length - 1) % this.#items.length];
  }

  /** Replaces the newest entry (no-op when empty). */
  replaceLast(item: T): void {
    if (this.#length === 0) return;
    this.#items[(this.#start + this.#length - 1) % this.#items.length] = item;
  }

  /** The entries, oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.#length; i++) out.push(this.#items[(this.#start + i) % this.#items.length] as T);
    return out;
  }
}
