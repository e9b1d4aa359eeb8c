import type { RemediationActionJson } from '@opsloop/contracts';
/** The action types a policy can name. */
export type ActionType =
  | 'rollback'
  | 'flag-off'
  | 'restart'
  | 'rolling-restart'
  | 'replace'
  | 'scale-out'
  | 'shed-load'
  | 'open-circuit'
  | 'failover';

/**
 * A concrete action: a policy's action resolved against one diagnosis (which replica, which flag, how many
 * replicas). `service` is the service it acts on: the one the guardrails count and lock.
 */
export type RemediationAction = RemediationActionJson;

/** The action's target as people read it: `orders`, `orders/orders-2`, `flag new-pricing`. */
export function actionTarget(action: RemediationAction): string {
  switch (action.type) {
    case 'restart':
    case 'replace':
      return `${action.service}/${action.replica}`;
    case 'flag-off':
      return `flag ${action.flag}`;
    default:
      return action.service;
  }
}

/** One line saying what the action does (`roll back orders r42 → r41`). */
export function describeAction(action: RemediationAction): string {
  switch (action.type) {
    case 'rollback':
      return (
        `roll back ${action.service}` +
        (action.revision !== undefined ? ` ${action.revision}` : '') +
        (action.toRevision !== undefined ? ` → ${action.toRevision}` : '')
      );
    case 'flag-off':
      return (
        `set flag ${action.flag} to ${action.variant}` +
        (action.fromVariant ? ` (was ${action.fromVariant})` : '')
      );
    case 'restart':
      return `restart replica ${action.replica} of ${action.service}`;
    case 'rolling-restart':
      return `rolling restart of ${action.service}`;
    case 'replace':
      return `replace replica ${action.replica} of ${action.service} (new one first)`;
    case 'scale-out':
      return `scale ${action.service} from ${action.from} to ${action.to} replicas`;
    case 'shed-load':
      return `limit ${action.service} to ${formatRate(action.requestsPerSecond)} requests/s`;
    case 'open-circuit':
      return `open the circuit from ${action.callers.join(', ')} to ${action.service} for ${Math.round(action.durationMs / 1000)} s`;
    case 'failover':
      return `fail ${action.service} over to ${action.to}`;
  }
}

/** Identity of an action within an incident: the same action on the same target is never tried twice. */
export function actionKey(action: RemediationAction): string {
  return `${action.type}:${actionTarget(action)}`;
}

function formatRate(rps: number): string {
  return rps >= 10 ? String(Math.round(rps)) : String(Math.round(rps * 100) / 100);
}
