/** One replica as the planner sees it. */
export interface PlannedReplica {
  name: string;
  /** Ordinal in `<service>-<ordinal>`. */
  ordinal: number;
  /** The template revision it runs. */
  revision: string;
  ready: boolean;
}

/** What a service should look like, with the bounds of a rolling update (already resolved to counts). */
export interface RolloutTarget {
  replicas: number;
  revision: string;
  /** Replicas above `replicas` allowed during an update (Kubernetes' maxSurge). */
  maxSurge: number;
  /** Replicas below `replicas` that may be unavailable during an update (Kubernetes' maxUnavailable). */
  maxUnavailable: number;
  /** Ready replicas an update must never go below (a PodDisruptionBudget's minAvailable), 0 if none. */
  minAvailable: number;
}

/** One reconcile step: replicas to create (count, at the target revision) and to remove (names). */
export interface RolloutPlan {
  create: number;
  remove: string[];
}

/**
 * One pass of a Deployment controller's rolling update, level-triggered: called again after every change,
 * it moves the replicas towards `target` without ever going above `replicas + maxSurge` in total or below
 * `max(replicas − maxUnavailable, minAvailable)` ready (as far as the current state allows: an update
 * never makes an unready service worse, and removing an unready replica never costs availability).
 *
 * - Same revision everywhere: plain scaling (lowest ordinals kept).
 * - Otherwise: old replicas that are not ready go first (they serve nothing), then new replicas are
 *   created within the surge, then ready old replicas are removed while the floor allows.
 */
export function planRollout(target: RolloutTarget, replicas: readonly PlannedReplica[]): RolloutPlan {
  const current = replicas.filter((r) => r.revision === target.revision);
  const old = replicas.filter((r) => r.revision !== target.revision);
  const byOrdinalDesc = (a: PlannedReplica, b: PlannedReplica) => b.ordinal - a.ordinal;

  if (old.length === 0) {
    if (current.length < target.replicas) return { create: target.replicas - current.length, remove: [] };
    if (current.length > target.replicas) {
      // Scale down: unready ones first, then the highest ordinals (as a StatefulSet does).
      const order = [...current].sort((a, b) => Number(a.ready) - Number(b.ready) || b.ordinal - a.ordinal);
      return { create: 0, remove: order.slice(0, current.length - target.replicas).map((r) => r.name) };
    }
    return { create: 0, remove: [] };
  }

  const floor = Math.max(target.replicas - target.maxUnavailable, target.minAvailable, 0);
  const ceiling = target.replicas + target.maxSurge;
  const remove: string[] = [];
  let total = replicas.length;
  const ready = replicas.filter((r) => r.ready).length;

  // Unready old replicas serve no traffic: removing them costs nothing and makes room for new ones.
  for (const r of [...old].sort(byOrdinalDesc)) {
    if (r.ready) continue;
    remove.push(r.name);
    total--;
  }

  // New replicas within the surge, never more than the target count of them.
  const wanted = Math.max(0, target.replicas - current.length);
  const create = Math.min(wanted, Math.max(0, ceiling - total));
  total += create;

  // Ready old replicas, while the ready count stays at or above the floor and the new ones will make up.
  // Ready old replicas go while the ready count stays at or above the floor (Kubernetes' "available pods
  // minus minAvailable"); the new ones replace them as they become ready.
  const readyOld = old.filter((r) => r.ready).sort(byOrdinalDesc);
  const removable = Math.max(0, Math.min(readyOld.length, ready - floor));
  for (const r of readyOld.slice(0, removable)) remove.push(r.name);
  return { create, remove };
}

/**
 * Resolves an int-or-percent (Kubernetes IntOrString) against a replica count: percentages of maxSurge and
 * minAvailable round up, of maxUnavailable round down (as Kubernetes does).
 */
export function resolveIntOrPercent(value: number | string, total: number, round: 'up' | 'down'): number {
  if (typeof value === 'number') return value;
  const percent = Number(value.slice(0, -1));
  const exact = (total * percent) / 100;
  return round === 'up' ? Math.ceil(exact) : Math.floor(exact);
}

/** Why a rolling update with these bounds could never finish, or undefined when it can. */
export function impossibleRollout(target: Omit<RolloutTarget, 'revision'>): string | undefined {
  if (target.minAvailable > target.replicas)
    return `disruptionBudget.minAvailable (${target.minAvailable}) is more than the ${target.replicas} replica(s) it protects`;
  const floor = Math.max(target.replicas - target.maxUnavailable, target.minAvailable);
  if (target.maxSurge === 0 && floor >= target.replicas && target.replicas > 0)
    return `a rolling update could never start: maxSurge is 0 and ${target.replicas} replica(s) must stay ready (maxUnavailable ${target.maxUnavailable}, minAvailable ${target.minAvailable}); allow maxSurge ≥ 1 or maxUnavailable ≥ 1`;
  return undefined;
}
