/** Runs async functions one at a time, in call order. */
export interface Mutex {
  run<T>(fn: () => Promise<T>): Promise<T>;
}

/** Creates a {@link Mutex}. */
export function createMutex(): Mutex {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(fn: () => Promise<T>): Promise<T> {
      const result = tail.then(fn);
      tail = result.then(
        () => undefined,
        () => undefined,
      );
      return result;
    },
  };
}

const perObject = new WeakMap<object, Mutex>();

/** The one {@link Mutex} of `owner` in this process (created on first use). */
export function mutexOf(owner: object): Mutex {
  let mutex = perObject.get(owner);
  if (mutex === undefined) {
    mutex = createMutex();
    perObject.set(owner, mutex);
  }
  return mutex;
}
