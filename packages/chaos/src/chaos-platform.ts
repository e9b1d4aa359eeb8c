/** What a replica's fault endpoint can do (the service kit's `POST /internal/faults` contract). */
export type ReplicaFaultKind = 'latency' | 'errors' | 'hang' | 'cpu' | 'memory' | 'crash' | 'stall';

/**
 * The body of `POST <replica url>/internal/faults` (answered 201; `DELETE /internal/faults/<id>` answers 204).
 * `point` says where in the replica the fault acts: 'http', 'rpc', 'db', 'dependency:<service>', 'bus-consumer',
 * 'payment-provider' or 'payment-provider:<name>'; none for whole-process faults (hang, cpu, memory, crash).
 */
export interface ReplicaFaultRequest {
  /** The id to clear it by; the manager always sends one. */
  id?: string;
  kind: ReplicaFaultKind;
  point?: string;
  /** Kind-specific: latency `{ms, jitterMs?, distribution?, ratio?}`, errors `{ratio, status?, grpcCode?}`, … */
  params: Record<string, string | number | boolean>;
  /** The replica ends the fault by itself after this long (a backstop for the manager's own timer). */
  durationMs?: number;
}

/** One replica of a service as the platform sees it now. */
export interface ChaosReplica {
  /** Unique across the platform (e.g. `cart-2`). */
  name: string;
  /** Where its HTTP server listens; undefined until it has one. */
  url: string | undefined;
  /** Passing its readiness probe: only ready replicas are sent faults. */
  ready: boolean;
}

/** Undoes a runtime-level fault if nothing changed it since (the runtime decides; e.g. a rollback already happened). */
export type PlatformUndo = () => Promise<void>;

/** The load {@link ChaosPlatform.startLoad} generates. */
export interface ChaosLoad {
  /** The service the requests go to (normally the gateway). */
  target: string;
  /** Requests per second. */
  rate: number;
  /** How long the load runs by itself; 0 = until undone. */
  durationMs: number;
}

/**
 * The port through which faults reach a running shop: implemented by the local runtime (and later the
 * Kubernetes adapter). Every method that names an unknown service throws ChaosTargetError.
 */
export interface ChaosPlatform {
  /** The service's replicas now (throws ChaosTargetError for an unknown service). */
  replicas(service: string): ChaosReplica[];
  /** The services `service` depends on (for validating dependency-unreachable). */
  dependenciesOf(service: string): string[];
  /** The version the service runs now (the base of a bad release's version). */
  currentVersion(service: string): string;
  /** POSTs `fault` to the replica's fault endpoint (authorised by the platform); rejects unless 201. */
  sendFault(replica: string, fault: ReplicaFaultRequest): Promise<void>;
  /** DELETEs the fault from the replica; an id the replica no longer has is not an error. */
  clearFault(replica: string, id: string): Promise<void>;
  /** Signals the replica's process; the platform restarts it as it would after any crash. */
  killReplica(replica: string, signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Rolls out a new version through the runtime's normal path; resolves with an undo. */
  releaseVersion(
    service: string,
    change: { version: string; env: Record<string, string> },
  ): Promise<PlatformUndo>;
  /** Changes the service's environment (a config change, rolled out like any other). */
  changeConfig(service: string, env: Record<string, string>): Promise<PlatformUndo>;
  /** Flips a feature flag to `variant` for everyone. */
  setFlag(flag: string, variant: string): Promise<PlatformUndo>;
  /** Starts generating load. */
  startLoad(load: ChaosLoad): Promise<PlatformUndo>;
}
