/**
 * The platform port of remediation: what the engine may do to the running system. The runtime implements it
 * on its control plane; a Kubernetes adapter may come later. Core logic imports only this file.
 */

/** What an action did. `ok: false` is a refusal or failure the platform reports without throwing. */
export interface ActionOutcome {
  readonly ok: boolean;
  readonly detail: string;
  /**
   * Undoes the action, when the platform knows how (scale back, flag back, rate limit back). Without it the
   * engine uses its own inverse where one exists (see the engine's docs); a rollback or (rolling) restart has none.
   */
  readonly undo?: () => Promise<ActionOutcome | void>;
}

/** The last rollout of a service, as the platform knows it. */
export interface RolloutInfo {
  readonly revision: string;
  readonly previousRevision: string;
  readonly startedAtMs: number;
  /** Set once the rollout was promoted (finished); a regression after this is still tied to it. */
  readonly promotedAtMs?: number;
  readonly state: string;
}

/** A service's replica counts and bounds. */
export interface ServiceState {
  readonly replicas: number;
  readonly readyReplicas: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Ready replicas the service must never drop below (a disruption budget). */
  readonly minAvailable: number;
  readonly lastRollout?: RolloutInfo;
}

/** The actions remediation can take, and the one read it needs. Each action resolves or rejects; never both. */
export interface RemediationPlatform {
  /** Undoes the service's last rollout (or rolled-out config change), even when it was promoted. */
  rollback(service: string): Promise<ActionOutcome>;
  /** Stops and starts one replica (it is unavailable meanwhile). */
  restartReplica(replica: string): Promise<ActionOutcome>;
  /**
   * Replaces every replica of the service by a rollout of the same template (Kubernetes: `kubectl rollout
   * restart`; the local runtime: a new revision of the same template rolled out), so the rollout's surge and
   * unavailable bounds keep it available. Resolves once the rollout is started or done, as the platform can.
   */
  restartService(service: string): Promise<ActionOutcome>;
  /** Starts a new replica, waits for it to be ready, then stops the old one (never fewer ready replicas). */
  replaceReplica(replica: string): Promise<ActionOutcome>;
  scale(service: string, replicas: number): Promise<ActionOutcome>;
  setFlag(flag: string, variant: string): Promise<ActionOutcome>;
  /** Limits the service's accepted request rate; `null` restores the configured limit. */
  setRateLimit(service: string, requestsPerSecond: number | null): Promise<ActionOutcome>;
  openCircuit(caller: string, target: string, durationMs: number): Promise<ActionOutcome>;
  closeCircuit(caller: string, target: string): Promise<ActionOutcome>;
  /** Switches a dependency to its named alternative (a flag-driven secondary provider). */
  failover(service: string, to: string): Promise<ActionOutcome>;
  serviceState(service: string): Promise<ServiceState>;
}
