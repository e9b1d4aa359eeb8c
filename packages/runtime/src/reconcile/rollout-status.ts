/** A service's rollout as `opsloop rollout status` shows it. */
export interface RolloutStatus {
  service: string;
  revision: string;
  desiredReplicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  paused: boolean;
  /** Every replica runs the desired revision and is ready. */
  complete: boolean;
  history: { revision: string; at: string; cause: string }[];
}
