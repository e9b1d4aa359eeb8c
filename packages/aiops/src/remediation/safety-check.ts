import { describeAction, type RemediationAction } from './remediation-action.js';
import type { ServiceState } from './remediation-platform.js';

/** The action to take after the state-based guardrails (possibly changed: restart → replace), or a refusal. */
export type SafetyVerdict =
  | { readonly ok: true; readonly action: RemediationAction; readonly note?: string }
  | { readonly ok: false; readonly reason: string };

/** How the state-based guardrails bend. */
export interface SafetyCheckOptions {
  /** A restart that would drop below `minAvailable` becomes a replace (new replica first); else it is refused. */
  surge: boolean;
  /** Whether the replica to restart is ready now (a restart of a replica that is not ready costs nothing). */
  replicaReady?: boolean;
}

/**
 * Never below `minAvailable` ready replicas, never above `maxReplicas`: checked against the platform's state
 * just before acting. A rolling restart is bounded by the platform's rollout (it keeps `minAvailable`), but
 * is refused when no replica is ready. Other actions do not change the replica count and pass.
 */
export function checkSafety(
  action: RemediationAction,
  state: ServiceState,
  options: SafetyCheckOptions,
): SafetyVerdict {
  switch (action.type) {
    case 'restart': {
      const after = state.readyReplicas - (options.replicaReady === false ? 0 : 1);
      if (after >= state.minAvailable) return { ok: true, action };
      if (!options.surge) {
        return {
          ok: false,
          reason: `${describeAction(action)} would leave ${after} ready replicas (minAvailable ${state.minAvailable})`,
        };
      }
      return {
        ok: true,
        action: { type: 'replace', service: action.service, replica: action.replica },
        note: `a restart would leave ${after} ready replicas (minAvailable ${state.minAvailable}): replacing instead`,
      };
    }
    case 'rolling-restart': {
      // The rollout keeps minAvailable itself; with nothing ready there is nothing for it to keep.
      if (state.readyReplicas === 0) {
        return {
          ok: false,
          reason: `${action.service} has no ready replica: a rolling restart has nothing to keep available (restart a replica instead)`,
        };
      }
      return { ok: true, action };
    }
    case 'scale-out': {
      if (state.replicas >= state.maxReplicas) {
        return { ok: false, reason: `${action.service} is at its maxReplicas (${state.maxReplicas})` };
      }
      const step = Math.max(1, action.to - action.from);
      const to = Math.min(state.replicas + step, state.maxReplicas);
      return { ok: true, action: { ...action, from: state.replicas, to } };
    }
    default:
      return { ok: true, action };
  }
}
