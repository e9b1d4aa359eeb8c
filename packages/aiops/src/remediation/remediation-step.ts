import type { ActionType, RemediationAction } from './remediation-action.js';

/** The phases of a remediation, each recorded as a step. */
export type RemediationPhase =
  | 'proposed'
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'executing'
  | 'executed'
  | 'failed'
  | 'verifying'
  | 'verified'
  | 'not-effective'
  | 'undone'
  | 'escalated'
  | 'refused'
  | 'skipped';

/** One step of one incident's remediation: what the audit log, `onStep` and notifications receive. */
export interface RemediationStep {
  readonly incidentId: string;
  /** When it happened (ms since the epoch, from the engine's clock). */
  readonly at: number;
  readonly phase: RemediationPhase;
  /** The action type, or `none` (an escalation with nothing left to try). */
  readonly action: ActionType | 'none';
  /** What it acts on, as people read it (`orders/orders-2`, `flag new-pricing`); empty with `none`. */
  readonly target: string;
  /** The service the action acts on (the incident's first service with `none`). */
  readonly service: string;
  readonly detail: string;
  /** The policy that chose the action. */
  readonly policy?: string;
  /** The concrete action. */
  readonly plan?: RemediationAction;
  /** The proposal, in suggest mode. */
  readonly proposalId?: string;
  /** Who approved or rejected. */
  readonly by?: string;
}

/** An action waiting for a person (suggest mode). */
export interface RemediationProposal {
  readonly id: string;
  readonly incidentId: string;
  readonly action: RemediationAction;
  /** As in steps: `orders/orders-2`. */
  readonly target: string;
  readonly policy: string;
  readonly reason: string;
  readonly proposedAtMs: number;
  readonly expiresAtMs: number;
}

/** Where an incident's remediation stands. */
export type RemediationState =
  | 'planning'
  | 'pending-approval'
  | 'executing'
  | 'verifying'
  | 'verified'
  | 'escalated'
  | 'rejected'
  | 'skipped'
  | 'cancelled';

/** An incident's remediation as `diagnose` and `incident` report it. */
export interface IncidentRemediation {
  readonly incidentId: string;
  readonly state: RemediationState;
  /** Actions executed so far (failed ones included). */
  readonly attempts: number;
  /** The action in flight or proposed. */
  readonly current?: RemediationAction;
  readonly proposalId?: string;
}
