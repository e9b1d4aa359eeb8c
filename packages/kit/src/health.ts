/** A readiness check: resolves true (or void) when the dependency is usable. */
export type ReadinessCheck = () => Promise<boolean | void> | boolean | void;

/** Result of one readiness check. */
export interface CheckResult {
  name: string;
  ok: boolean;
  error?: string;
}

/** Options of {@link createReadiness}. */
export interface ReadinessOptions {
  /** How long one check may take before it counts as failed. */
  checkTimeoutMs?: number;
}

/** Readiness of a service: the dependencies it registered, plus whether it is draining. */
export interface Readiness {
  /** Registers a named dependency check (e.g. `database`). */
  register(name: string, check: ReadinessCheck): void;
  /** Marks the service as draining: readiness fails from now on, so balancers stop sending requests. */
  drain(): void;
  readonly draining: boolean;
  /** Runs every check concurrently. */
  evaluate(): Promise<{ ready: boolean; checks: CheckResult[] }>;
}

/** Creates the readiness registry of one service. */
export function createReadiness(options: ReadinessOptions = {}): Readiness {
  const timeoutMs = options.checkTimeoutMs ?? 2_000;
  const checks = new Map<string, ReadinessCheck>();
  let draining = false;

  const run = async (name: string, check: ReadinessCheck): Promise<CheckResult> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      });
      const outcome = await Promise.race([Promise.resolve().then(check), timeout]);
      return outcome === false ? { name, ok: false, error: 'not ready' } : { name, ok: true };
    } catch (error) {
      return { name, ok: false, error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    register(name, check) {
      if (checks.has(name)) throw new Error(`readiness check "${name}" is already registered`);
      checks.set(name, check);
    },
    drain() {
      draining = true;
    },
    get draining() {
      return draining;
    },
    async evaluate() {
      const results = await Promise.all([...checks].map(([name, check]) => run(name, check)));
      if (draining) results.unshift({ name: 'shutdown', ok: false, error: 'draining' });
      return { ready: results.every((r) => r.ok), checks: results };
    },
  };
}
