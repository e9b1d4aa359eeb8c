import type { ProgressStatus, RolloutOutcome } from './service-controller.js';

/** A service's rollout as `opsloop rollout status` shows it. */
export interface RolloutStatus {
  service: string;
  /** RollingUpdate, BlueGreen or Canary. */
  strategy: string;
  revision: string;
  /** The revision serving all traffic outside a blue-green or canary rollout. */
  stableRevision: string;
  desiredReplicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  paused: boolean;
  /** Every replica runs the desired revision and is ready. */
  complete: boolean;
  /** The running blue-green or canary rollout: traffic share, step, phase, the last analyses. */
  progress?: ProgressStatus;
  /** How the last blue-green or canary rollout ended. */
  lastOutcome?: Omit<RolloutOutcome, 'spec'>;
  /** Where the preview revision answers (`<service>.preview` in discovery; `expose.previewPort`). */
  preview?: { discovery: string; url: string | null; endpoints: string[] };
  history: { revision: string; at: string; cause: string }[];
}

/** What `opsloop rollout <action>` can ask of a service's rollout. */
export type RolloutActionName =
  'pause' | 'resume' | 'undo' | 'restart' | 'promote' | 'promote-full' | 'abort';
