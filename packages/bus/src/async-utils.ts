/** Resolves after `ms`, or at once when `signal` aborts. Never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Resolves to true when `promise` settles within `ms`, false otherwise (the promise keeps running). */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true as const,
        () => true as const,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A level-triggered wake-up: `wait()` resolves at the next `notify()`. */
export class Notifier {
  #resolve: (() => void) | undefined;
  #promise: Promise<void> | undefined;

  wait(): Promise<void> {
    this.#promise ??= new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
    return this.#promise;
  }

  notify(): void {
    const resolve = this.#resolve;
    this.#resolve = undefined;
    this.#promise = undefined;
    resolve?.();
  }
}

/** Exponential back-off with jitter, for reconnect loops. */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  #currentMs: number;

  constructor(initialMs: number, maxMs: number) {
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
    this.#currentMs = initialMs;
  }

  /** The next delay (grows until the maximum). */
  next(): number {
    const delay = this.#currentMs;
    this.#currentMs = Math.min(this.#currentMs * 2, this.#maxMs);
    return delay + Math.floor(Math.random() * delay * 0.2);
  }

  reset(): void {
    this.#currentMs = this.#initialMs;
  }
}
