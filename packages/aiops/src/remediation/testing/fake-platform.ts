import type { ActionOutcome, RemediationPlatform, ServiceState } from '../remediation-platform.js';

/** One call the fake saw: the method and its arguments. */
export interface PlatformCall {
  readonly method: string;
  readonly args: readonly unknown[];
}

/** A hand-written in-memory platform: records calls, keeps replica counts, fails on demand. */
export interface FakePlatform extends RemediationPlatform {
  readonly calls: PlatformCall[];
  /** Service states (defaults: 3 replicas, all ready, min 1, max 6, minAvailable 1). */
  readonly states: Map<string, ServiceState>;
  /** Methods that throw (`rollback`, `restartReplica`, …), or resolve `ok: false` with `'not-ok'`. */
  readonly failing: Map<string, 'throw' | 'not-ok' | 'hang'>;
  /** Calls of one method. */
  callsOf(method: string): PlatformCall[];
}

const DEFAULT_STATE: ServiceState = {
  replicas: 3,
  readyReplicas: 3,
  minReplicas: 1,
  maxReplicas: 6,
  minAvailable: 1,
};

/** Creates a {@link FakePlatform}. */
export function createFakePlatform(states: Record<string, Partial<ServiceState>> = {}): FakePlatform {
  const calls: PlatformCall[] = [];
  const stateMap = new Map<string, ServiceState>(
    Object.entries(states).map(([s, st]) => [s, { ...DEFAULT_STATE, ...st }]),
  );
  const failing = new Map<string, 'throw' | 'not-ok' | 'hang'>();
  const act = (method: string, ...args: unknown[]): Promise<ActionOutcome> => {
    calls.push({ method, args });
    const how = failing.get(method);
    if (how === 'throw') return Promise.reject(new Error(`${method} exploded`));
    if (how === 'hang') return new Promise<ActionOutcome>(() => undefined);
    if (how === 'not-ok') return Promise.resolve({ ok: false, detail: `${method} refused by the platform` });
    return Promise.resolve({ ok: true, detail: `${method}(${args.map(String).join(', ')}) done` });
  };
  return {
    calls,
    states: stateMap,
    failing,
    callsOf: (method) => calls.filter((c) => c.method === method),
    rollback: (service) => act('rollback', service),
    restartReplica: (replica) => act('restartReplica', replica),
    restartService: (service) => act('restartService', service),
    replaceReplica: (replica) => act('replaceReplica', replica),
    scale: (service, replicas) => {
      const p = act('scale', service, replicas);
      const st = stateMap.get(service) ?? DEFAULT_STATE;
      if (!failing.has('scale')) stateMap.set(service, { ...st, replicas, readyReplicas: replicas });
      return p;
    },
    setFlag: (flag, variant) => act('setFlag', flag, variant),
    setRateLimit: (service, rps) => act('setRateLimit', service, rps),
    openCircuit: (caller, target, durationMs) => act('openCircuit', caller, target, durationMs),
    closeCircuit: (caller, target) => act('closeCircuit', caller, target),
    failover: (service, to) => act('failover', service, to),
    serviceState: (service) => {
      calls.push({ method: 'serviceState', args: [service] });
      if (failing.get('serviceState') === 'throw') return Promise.reject(new Error('state unavailable'));
      return Promise.resolve(stateMap.get(service) ?? DEFAULT_STATE);
    },
  };
}
