import type { Endpoint, EndpointList } from '@opsloop/contracts';

/** `<service>.preview` lists a blue-green rollout's new revision only (service names cannot hold a dot). */
export const PREVIEW_SUFFIX = '.preview';

const baseOf = (name: string) =>
  name.endsWith(PREVIEW_SUFFIX) ? name.slice(0, -PREVIEW_SUFFIX.length) : name;

/**
 * The registry of ready endpoints per service, like Kubernetes EndpointSlices: the supervisor adds a replica
 * when its readiness probe passes and removes it when it fails, drains or exits. Each service's list has a
 * resource version so clients can watch it with long polls.
 */
export class EndpointRegistry {
  readonly #services = new Map<string, { version: number; endpoints: Map<string, Endpoint> }>();
  /** Traffic splits: per service, the percentage of new requests each revision gets. */
  readonly #splits = new Map<string, Record<string, number>>();
  readonly #waiters = new Map<string, Set<() => void>>();
  /** Per service, the revision its preview name resolves to. */
  readonly #previews = new Map<string, string>();
  /** Per service, the callers whose circuit to it is open: they are told it has no endpoints. */
  readonly #openCircuits = new Map<string, Set<string>>();
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
    if (
      current &&
      current.url === endpoint.url &&
      current.version === endpoint.version &&
      current.revision === endpoint.revision
    )
      return;
    this.#entry(service).endpoints.set(endpoint.instance, endpoint);
    this.#changed(service);
  }

  /**
   * Splits a service's new requests between revisions by percentage (`{ <stable>: 90, <canary>: 10 }`), or
   * removes the split (every ready endpoint equal). Each endpoint of a revision then carries
   * `weight = 100 × percent / (ready endpoints of that revision)`, so the split holds whatever the replica
   * counts; a revision at 0 % gets no new requests (its endpoints stay listed, weight 0). Revisions not named
   * get 0. Watchers see the change like any other.
   */
  split(service: string, percentages: Record<string, number> | undefined): void {
    if (percentages === undefined) {
      if (this.#splits.delete(service)) this.#changed(service);
      return;
    }
    for (const [revision, percent] of Object.entries(percentages))
      if (!Number.isFinite(percent) || percent < 0 || percent > 100)
        throw new RangeError(`traffic split of ${service}: ${revision} must get 0–100 %, not ${percent}`);
    this.#splits.set(service, { ...percentages });
    this.#changed(service);
  }

  /**
   * Makes `<service>.preview` resolve to the ready endpoints of `revision` (a blue-green rollout's new
   * revision, before it takes traffic), or to nothing.
   */
  setPreview(service: string, revision: string | undefined): void {
    if (this.#previews.get(service) === revision) return;
    if (revision === undefined) this.#previews.delete(service);
    else this.#previews.set(service, revision);
    this.#changed(service);
  }

  /**
   * Opens the circuit from `caller` to `service`: the lists `caller` asks for (`list(service, caller)`) hold
   * no endpoint, so its calls fail fast and its fallback answers, as a mesh's circuit would. Other callers
   * see the service as before. Watchers are woken. False if it was open already.
   */
  openCircuit(caller: string, service: string): boolean {
    let callers = this.#openCircuits.get(service);
    if (!callers) this.#openCircuits.set(service, (callers = new Set()));
    if (callers.has(caller)) return false;
    callers.add(caller);
    this.#changed(service);
    return true;
  }

  /** Closes the circuit from `caller` to `service`; false if it was not open. */
  closeCircuit(caller: string, service: string): boolean {
    const callers = this.#openCircuits.get(service);
    if (callers?.delete(caller) !== true) return false;
    if (callers.size === 0) this.#openCircuits.delete(service);
    this.#changed(service);
    return true;
  }

  /** The open circuits, as `{ caller, service }` pairs. */
  openCircuits(): { caller: string; service: string }[] {
    return [...this.#openCircuits].flatMap(([service, callers]) =>
      [...callers].map((caller) => ({ caller, service })),
    );
  }

  /** The current split of a service, if any. */
  splitOf(service: string): Readonly<Record<string, number>> | undefined {
    return this.#splits.get(service);
  }

  /** Removes an endpoint (not ready, draining or gone). */
  remove(service: string, instance: string): void {
    if (this.#entry(service).endpoints.delete(instance)) this.#changed(service);
  }

  /**
   * The current list of a service (empty and version 0 for an unknown service), as `caller` sees it: empty
   * while its circuit to the service is open.
   */
  list(name: string, caller?: string): EndpointList {
    if (caller !== undefined && this.#openCircuits.get(baseOf(name))?.has(caller) === true)
      return {
        service: name,
        resourceVersion: this.#services.get(baseOf(name))?.version ?? 0,
        endpoints: [],
      };
    if (name.endsWith(PREVIEW_SUFFIX)) {
      const base = baseOf(name);
      const revision = this.#previews.get(base);
      const entry = this.#services.get(base);
      const endpoints =
        revision === undefined || entry === undefined
          ? []
          : [...entry.endpoints.values()]
              .filter((e) => e.revision === revision)
              .sort((a, b) => a.instance.localeCompare(b.instance));
      return { service: name, resourceVersion: entry?.version ?? 0, endpoints };
    }
    const service = name;
    const entry = this.#services.get(service);
    const endpoints = entry
      ? [...entry.endpoints.values()].sort((a, b) => a.instance.localeCompare(b.instance))
      : [];
    const split = this.#splits.get(service);
    if (split === undefined) return { service, resourceVersion: entry?.version ?? 0, endpoints };
    const perRevision = new Map<string, number>();
    for (const e of endpoints)
      perRevision.set(e.revision ?? '', (perRevision.get(e.revision ?? '') ?? 0) + 1);
    const weighted = endpoints.map((e) => {
      const percent = split[e.revision ?? ''] ?? 0;
      const count = perRevision.get(e.revision ?? '') ?? 1;
      return { ...e, weight: Math.round((100 * percent) / count) };
    });
    return { service, resourceVersion: entry?.version ?? 0, endpoints: weighted };
  }

  /**
   * Resolves with the list (as `caller` sees it) once its resource version differs from `knownVersion`, or
   * after `timeoutMs` with the unchanged list; `signal` abandons the wait.
   */
  watch(
    service: string,
    knownVersion: number,
    timeoutMs: number,
    signal?: AbortSignal,
    caller?: string,
  ): Promise<EndpointList> {
    const current = this.list(service, caller);
    const key = baseOf(service);
    // An already aborted signal never fires 'abort': without this check the wait would last the full timeout.
    if (current.resourceVersion !== knownVersion || signal?.aborted) return Promise.resolve(current);
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', finish);
        this.#waiters.get(key)?.delete(finish);
        resolve(this.list(service, caller));
      };
      const timer = setTimeout(finish, timeoutMs);
      signal?.addEventListener('abort', finish, { once: true });
      let set = this.#waiters.get(key);
      if (!set) this.#waiters.set(key, (set = new Set()));
      set.add(finish);
    });
  }

  /** Wakes every pending watch (used at shutdown). */
  closeWatches(): void {
    for (const [, set] of this.#waiters) for (const wake of [...set]) wake();
    this.#waiters.clear();
  }
}
