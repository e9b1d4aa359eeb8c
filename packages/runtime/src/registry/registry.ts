import type { Endpoint, EndpointList } from '@opsloop/contracts';

/**
 * The registry of ready endpoints per service, like Kubernetes EndpointSlices: the supervisor adds a replica
 * when its readiness probe passes and removes it when it fails, drains or exits. Each service's list has a
 * resource version so clients can watch it with long polls.
 */
export class EndpointRegistry {
  readonly #services = new Map<string, { version: number; endpoints: Map<string, Endpoint> }>();
  readonly #waiters = new Map<string, Set<() => void>>();
  #version = 0;

  #entry(service: string) {
    let entry = this.#services.get(service);
    if (!entry) {
      entry = { version: 0, endpoints: new Map() };
      this.#services.set(service, entry);
    }
    return entry;
  }

  #changed(service: string): void {
    this.#entry(service).version = ++this.#version;
    const waiters = this.#waiters.get(service);
    this.#waiters.delete(service);
    for (const wake of waiters ?? []) wake();
  }

  /** Adds or updates a ready endpoint. */
  set(service: string, endpoint: Endpoint): void {
    const current = this.#entry(service).endpoints.get(endpoint.instance);
    if (current && current.url === endpoint.url && current.version === endpoint.version) return;
    this.#entry(service).endpoints.set(endpoint.instance, endpoint);
    this.#changed(service);
  }

  /** Removes an endpoint (not ready, draining or gone). */
  remove(service: string, instance: string): void {
    if (this.#entry(service).endpoints.delete(instance)) this.#changed(service);
  }

  /** The current list of a service (empty and version 0 for an unknown service). */
  list(service: string): EndpointList {
    const entry = this.#services.get(service);
    const endpoints = entry
      ? [...entry.endpoints.values()].sort((a, b) => a.instance.localeCompare(b.instance))
      : [];
    return { service, resourceVersion: entry?.version ?? 0, endpoints };
  }

  /**
   * Resolves with the list once its resource version differs from `knownVersion`, or after `timeoutMs` with
   * the unchanged list; `signal` abandons the wait.
   */
  watch(
    service: string,
    knownVersion: number,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<EndpointList> {
    const current = this.list(service);
    // An already aborted signal never fires 'abort': without this check the wait would last the full timeout.
    if (current.resourceVersion !== knownVersion || signal?.aborted) return Promise.resolve(current);
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', finish);
        this.#waiters.get(service)?.delete(finish);
        resolve(this.list(service));
      };
      const timer = setTimeout(finish, timeoutMs);
      signal?.addEventListener('abort', finish, { once: true });
      let set = this.#waiters.get(service);
      if (!set) this.#waiters.set(service, (set = new Set()));
      set.add(finish);
    });
  }

  /** Wakes every pending watch (used at shutdown). */
  closeWatches(): void {
    for (const [, set] of this.#waiters) for (const wake of [...set]) wake();
    this.#waiters.clear();
  }
}
