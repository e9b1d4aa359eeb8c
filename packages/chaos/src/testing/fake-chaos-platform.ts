import { ChaosTargetError } from '../chaos-errors.js';
import type {
  ChaosLoad,
  ChaosPlatform,
  ChaosReplica,
  PlatformUndo,
  ReplicaFaultRequest,
} from '../chaos-platform.js';

/** A call the fake received, in order. */
export type FakeCall =
  | { op: 'sendFault'; replica: string; fault: ReplicaFaultRequest }
  | { op: 'clearFault'; replica: string; id: string }
  | { op: 'killReplica'; replica: string; signal: 'SIGKILL' | 'SIGTERM' }
  | { op: 'releaseVersion'; service: string; version: string; env: Record<string, string> }
  | { op: 'changeConfig'; service: string; env: Record<string, string> }
  | { op: 'setFlag'; flag: string; variant: string }
  | { op: 'startLoad'; load: ChaosLoad }
  | { op: 'undo'; of: string };

/** A service the fake knows. */
export interface FakeService {
  replicas: ChaosReplica[];
  dependencies: string[];
  version: string;
}

/** A hand-written {@link ChaosPlatform} for core-logic tests: records calls, fails where told. */
export interface FakeChaosPlatform extends ChaosPlatform {
  readonly calls: FakeCall[];
  readonly services: Map<string, FakeService>;
  /** Replicas whose sendFault rejects. */
  readonly failSend: Set<string>;
  /** Replicas whose clearFault rejects. */
  readonly failClear: Set<string>;
  /** Replicas whose killReplica rejects. */
  readonly failKill: Set<string>;
  /** Adds a replica to a service. */
  addReplica(service: string, name: string, ready?: boolean): void;
  /** Removes a replica (a replaced process). */
  removeReplica(name: string): void;
  /** The calls of one kind. */
  callsOf<K extends FakeCall['op']>(op: K): Extract<FakeCall, { op: K }>[];
}

/** What each service of the fake has: replica names (all ready), dependencies, version. */
export interface FakeChaosPlatformOptions {
  [service: string]: { replicas: string[]; dependencies?: string[]; version?: string };
}

/** Creates a {@link FakeChaosPlatform}. */
export function createFakeChaosPlatform(options: FakeChaosPlatformOptions): FakeChaosPlatform {
  const services = new Map<string, FakeService>(
    Object.entries(options).map(([name, s]) => [
      name,
      {
        replicas: s.replicas.map((r) => ({ name: r, url: `http://127.0.0.1/${r}`, ready: true })),
        dependencies: s.dependencies ?? [],
        version: s.version ?? '1.0.0',
      },
    ]),
  );
  const calls: FakeCall[] = [];
  const failSend = new Set<string>();
  const failClear = new Set<string>();
  const failKill = new Set<string>();
  const service = (name: string): FakeService => {
    const found = services.get(name);
    if (found === undefined) throw new ChaosTargetError(`unknown service ${name}`);
    return found;
  };
  const undo =
    (of: string): PlatformUndo =>
    () => {
      calls.push({ op: 'undo', of });
      return Promise.resolve();
    };
  return {
    calls,
    services,
    failSend,
    failClear,
    failKill,
    replicas: (name) => service(name).replicas.map((r) => ({ ...r })),
    dependenciesOf: (name) => [...service(name).dependencies],
    currentVersion: (name) => service(name).version,
    sendFault(replica, fault) {
      calls.push({ op: 'sendFault', replica, fault: structuredClone(fault) });
      return failSend.has(replica) ? Promise.reject(new Error('connect ECONNREFUSED')) : Promise.resolve();
    },
    clearFault(replica, id) {
      calls.push({ op: 'clearFault', replica, id });
      return failClear.has(replica) ? Promise.reject(new Error('socket hang up')) : Promise.resolve();
    },
    killReplica(replica, signal) {
      calls.push({ op: 'killReplica', replica, signal });
      return failKill.has(replica) ? Promise.reject(new Error('no such process')) : Promise.resolve();
    },
    releaseVersion(name, change) {
      service(name);
      calls.push({ op: 'releaseVersion', service: name, ...change });
      return Promise.resolve(undo(`releaseVersion ${change.version}`));
    },
    changeConfig(name, env) {
      service(name);
      calls.push({ op: 'changeConfig', service: name, env });
      return Promise.resolve(undo('changeConfig'));
    },
    setFlag(flag, variant) {
      calls.push({ op: 'setFlag', flag, variant });
      return Promise.resolve(undo(`setFlag ${flag}`));
    },
    startLoad(load) {
      service(load.target);
      calls.push({ op: 'startLoad', load });
      return Promise.resolve(undo('startLoad'));
    },
    addReplica(name, replica, ready = true) {
      service(name).replicas.push({ name: replica, url: `http://127.0.0.1/${replica}`, ready });
    },
    removeReplica(replica) {
      for (const s of services.values()) s.replicas = s.replicas.filter((r) => r.name !== replica);
    },
    callsOf<K extends FakeCall['op']>(op: K) {
      return calls.filter((c): c is Extract<FakeCall, { op: K }> => c.op === op);
    },
  };
}
