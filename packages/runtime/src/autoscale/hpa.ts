/**
 * The Kubernetes HorizontalPodAutoscaler (autoscaling/v2) algorithm as pure functions. References:
 * https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details and the
 * controller's source (pkg/controller/podautoscaler/replica_calculator.go and horizontal.go), whose names are
 * kept in the comments below so the two can be read side by side.
 *
 * The pipeline for one service, once per period:
 *   1. each metric proposes a replica count (`averageValueReplicas`, `objectValueReplicas`);
 *   2. the largest proposal wins (`combineProposals`);
 *   3. `stabilizeRecommendation`: the result is held within [min over the scale-up window,
 *      max over the scale-down window] of past raw recommendations;
 *   4. `limitByBehavior`: the scaling policies' rate limits and then minReplicas/maxReplicas apply.
 * `normalizeDesiredReplicas` runs 3–4 and returns the new state to keep for the next period.
 */

/** Default tolerance: no scaling while the usage ratio is within 10 % of 1 (kube-controller-manager flag). */
export const DEFAULT_TOLERANCE = 0.1;

/** How a policy measures the change it allows per period. */
export type ScalingPolicyType = 'Pods' | 'Percent';

/** One rate limit: at most `value` pods (or percent of the replicas at the period's start) per period. */
export interface ScalingPolicy {
  type: ScalingPolicyType;
  value: number;
  periodSeconds: number;
}

/** Which policy applies when several do: the one allowing the most change, the least, or none at all. */
export type SelectPolicy = 'Max' | 'Min' | 'Disabled';

/** The behavior of one direction (HPAScalingRules). */
export interface ScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: SelectPolicy;
  policies: ScalingPolicy[];
}

/** Scale-up and scale-down rules (HorizontalPodAutoscalerBehavior), with every default filled in. */
export interface Behavior {
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
}

/** A partially specified behavior, as written in a spec. */
export interface BehaviorInput {
  scaleUp?: Partial<ScalingRules> | undefined;
  scaleDown?: Partial<ScalingRules> | undefined;
}

/** Kubernetes' scale-up default: no stabilization; double or add 4 pods (whichever is more) every 15 s. */
export const DEFAULT_SCALE_UP_RULES: Readonly<ScalingRules> = Object.freeze<ScalingRules>({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Percent', value: 100, periodSeconds: 15 },
    { type: 'Pods', value: 4, periodSeconds: 15 },
  ],
});

/** Kubernetes' scale-down default: the highest recommendation of the last 300 s; up to 100 % per 15 s. */
export const DEFAULT_SCALE_DOWN_RULES: Readonly<ScalingRules> = Object.freeze<ScalingRules>({
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
});

/** Fills the fields a spec left out with Kubernetes' defaults, per direction and per field. */
export function resolveBehavior(input: BehaviorInput = {}): Behavior {
  const fill = (
    rules: Partial<ScalingRules> | undefined,
    defaults: Readonly<ScalingRules>,
  ): ScalingRules => ({
    stabilizationWindowSeconds: rules?.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
    selectPolicy: rules?.selectPolicy ?? defaults.selectPolicy,
    policies: (rules?.policies ?? defaults.policies).map((p) => ({ ...p })),
  });
  return {
    scaleUp: fill(input.scaleUp, DEFAULT_SCALE_UP_RULES),
    scaleDown: fill(input.scaleDown, DEFAULT_SCALE_DOWN_RULES),
  };
}

/** One replica's value of a per-replica metric; `value: null` when the replica has no metrics yet. */
export interface ReplicaMetricValue {
  ready: boolean;
  value: number | null;
}

/** What one metric asks for. */
export interface MetricProposal {
  /** Replicas this metric wants. */
  replicas: number;
  /** currentMetric / target, over the replicas that count (before the conservative adjustments). */
  usageRatio: number;
  /** The metric value the ratio was computed from: the average over ready replicas, or the object value. */
  value: number;
}

/** Input of {@link averageValueReplicas}. */
export interface AverageValueInput {
  /** Replicas that exist now (ready or not). */
  currentReplicas: number;
  replicas: readonly ReplicaMetricValue[];
  /** Target average per replica (a utilisation % for CPU, requests/s for a rate). */
  target: number;
  /**
   * Value assumed for a ready replica without metrics when scaling down: the target for a Pods metric (it
   * would then not move the average), 100 % of the request for CPU utilisation (calcPlainMetricReplicas,
   * GetResourceReplicas).
   */
  missingValueOnScaleDown: number;
  tolerance?: number;
}

/**
 * A per-replica metric with an average target (the HPA's Resource-Utilization and Pods-AverageValue
 * metrics): desired = ceil(readyReplicas × average / target), unchanged while |ratio − 1| ≤ tolerance.
 *
 * Replicas that are not ready are treated as HPA treats unready/pending pods: ignored when computing the
 * average, then, if the ratio says "scale up", counted as using 0 so that a replica still starting cannot
 * cause a second scale-up for load it will soon take. Ready replicas without metrics count as using the
 * target (scale down) or 0 (scale up): whichever damps the change. Any adjustment that would flip the
 * direction, or land within tolerance, keeps the current count. Returns null when no replica has a value.
 */
export function averageValueReplicas(input: AverageValueInput): MetricProposal | null {
  const { currentReplicas, target, missingValueOnScaleDown } = input;
  const tolerance = input.tolerance ?? DEFAULT_TOLERANCE;
  const values: number[] = [];
  let unready = 0;
  let missing = 0;
  for (const replica of input.replicas) {
    if (!replica.ready) unready++;
    else if (replica.value === null || !Number.isFinite(replica.value)) missing++;
    else values.push(replica.value);
  }
  if (values.length === 0) return null;
  const average = values.reduce((a, b) => a + b, 0) / values.length;
  const usageRatio = average / target;
  const proposal = (replicas: number): MetricProposal => ({ replicas, usageRatio, value: average });

  const scaleUpWithUnready = unready > 0 && usageRatio > 1;
  if (!scaleUpWithUnready && missing === 0) {
    if (Math.abs(1 - usageRatio) <= tolerance) return proposal(currentReplicas);
    return proposal(Math.ceil(usageRatio * values.length));
  }

  // The conservative re-computation: missing and (when scaling up) unready replicas get assumed values.
  const adjusted = [...values];
  if (missing > 0) {
    const assumed = usageRatio < 1 ? missingValueOnScaleDown : 0;
    for (let i = 0; i < missing; i++) adjusted.push(assumed);
  }
  if (scaleUpWithUnready) for (let i = 0; i < unready; i++) adjusted.push(0);
  const newRatio = adjusted.reduce((a, b) => a + b, 0) / adjusted.length / target;
  if (
    Math.abs(1 - newRatio) <= tolerance ||
    (usageRatio < 1 && newRatio > 1) ||
    (usageRatio > 1 && newRatio < 1)
  ) {
    return proposal(currentReplicas);
  }
  const replicas = Math.ceil(newRatio * adjusted.length);
  if ((newRatio < 1 && replicas > currentReplicas) || (newRatio > 1 && replicas < currentReplicas)) {
    return proposal(currentReplicas);
  }
  return proposal(replicas);
}

/** Input of {@link objectValueReplicas}. */
export interface ObjectValueInput {
  currentReplicas: number;
  readyReplicas: number;
  /** The service-wide value (e.g. p95 latency over all replicas). */
  value: number;
  target: number;
  tolerance?: number;
}

/**
 * A single service-wide value with a `Value` target (the HPA's Object metric, getUsageRatioReplicaCount):
 * desired = ceil(readyReplicas × value / target), unchanged while |ratio − 1| ≤ tolerance. Returns null when no
 * replica is ready (the HPA reports an error then and does not scale on this metric).
 */
export function objectValueReplicas(input: ObjectValueInput): MetricProposal | null {
  const { currentReplicas, readyReplicas, value, target } = input;
  const tolerance = input.tolerance ?? DEFAULT_TOLERANCE;
  if (!Number.isFinite(value)) return null;
  const usageRatio = value / target;
  if (currentReplicas === 0) return { replicas: Math.ceil(usageRatio), usageRatio, value };
  if (Math.abs(1 - usageRatio) <= tolerance) return { replicas: currentReplicas, usageRatio, value };
  if (readyReplicas === 0) return null;
  return { replicas: Math.ceil(usageRatio * readyReplicas), usageRatio, value };
}

/** The outcome of combining the proposals of several metrics. */
export interface CombinedProposal {
  /** The recommendation, or null when no metric could propose anything. */
  replicas: number | null;
  /** Why the largest proposal was not taken as is (a missing metric blocking a scale-down). */
  heldBecauseOfMissing: boolean;
}

/**
 * Several metrics → the largest proposal (computeReplicasForMetrics). When some metric has no value and the
 * others would scale down, the HPA does not scale down (it cannot know the missing metric agrees), so the
 * current count is kept; a scale-up still goes ahead.
 */
export function combineProposals(
  currentReplicas: number,
  proposals: readonly (number | null)[],
): CombinedProposal {
  const valid = proposals.filter((p): p is number => p !== null);
  if (valid.length === 0) return { replicas: null, heldBecauseOfMissing: false };
  const largest = Math.max(...valid);
  if (valid.length < proposals.length && largest < currentReplicas) {
    return { replicas: currentReplicas, heldBecauseOfMissing: true };
  }
  return { replicas: largest, heldBecauseOfMissing: false };
}

/** A raw (unstabilized) recommendation made at `atMs`. */
export interface TimestampedRecommendation {
  atMs: number;
  replicas: number;
}

/** A completed scale in one direction: `change` pods added (scale-up list) or removed (scale-down list). */
export interface ScaleEvent {
  atMs: number;
  change: number;
}

/** What the HPA remembers about one target between periods. */
export interface HpaState {
  recommendations: TimestampedRecommendation[];
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
}

/** A fresh state, with no history. */
export function initialHpaState(): HpaState {
  return { recommendations: [], scaleUpEvents: [], scaleDownEvents: [] };
}

/** Input of {@link stabilizeRecommendation}. */
export interface StabilizeInput {
  nowMs: number;
  currentReplicas: number;
  /** This period's raw recommendation. */
  desiredReplicas: number;
  behavior: Behavior;
  recommendations: readonly TimestampedRecommendation[];
}

/**
 * stabilizeRecommendationWithBehaviors: the result stays between the lowest recommendation of the scale-up
 * window and the highest of the scale-down window (both including this one), starting from the current count.
 * So a spike followed by a drop scales down only once the spike's recommendation is older than the scale-down
 * window. Returns the stabilized count and the history to keep (entries older than both windows dropped).
 */
export function stabilizeRecommendation(input: StabilizeInput): {
  replicas: number;
  recommendations: TimestampedRecommendation[];
} {
  const { nowMs, currentReplicas, desiredReplicas, behavior } = input;
  const upCutoff = nowMs - behavior.scaleUp.stabilizationWindowSeconds * 1000;
  const downCutoff = nowMs - behavior.scaleDown.stabilizationWindowSeconds * 1000;
  let upRecommendation = desiredReplicas;
  let downRecommendation = desiredReplicas;
  const kept: TimestampedRecommendation[] = [];
  for (const rec of input.recommendations) {
    // Kubernetes compares with timestamp.After(cutoff): a recommendation exactly one window old is out.
    if (rec.atMs > upCutoff) upRecommendation = Math.min(upRecommendation, rec.replicas);
    if (rec.atMs > downCutoff) downRecommendation = Math.max(downRecommendation, rec.replicas);
    if (rec.atMs > upCutoff || rec.atMs > downCutoff) kept.push(rec);
  }
  let replicas = currentReplicas;
  if (replicas < upRecommendation) replicas = upRecommendation;
  if (replicas > downRecommendation) replicas = downRecommendation;
  kept.push({ atMs: nowMs, replicas: desiredReplicas });
  return { replicas, recommendations: kept };
}

function changeInPeriod(events: readonly ScaleEvent[], periodSeconds: number, nowMs: number): number {
  const cutoff = nowMs - periodSeconds * 1000;
  return events.reduce((sum, e) => (e.atMs > cutoff ? sum + e.change : sum), 0);
}

/**
 * calculateScaleUpLimitWithScalingRules: the highest count the scale-up policies allow now. Each policy
 * measures from the replicas at the start of its period (current − added + removed within the period);
 * `Percent` rounds up so that a small target can always grow.
 */
export function scaleUpLimit(
  currentReplicas: number,
  state: Pick<HpaState, 'scaleUpEvents' | 'scaleDownEvents'>,
  rules: ScalingRules,
  nowMs: number,
): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Infinity : -Infinity;
  for (const policy of rules.policies) {
    const start =
      currentReplicas -
      changeInPeriod(state.scaleUpEvents, policy.periodSeconds, nowMs) +
      changeInPeriod(state.scaleDownEvents, policy.periodSeconds, nowMs);
    const proposed =
      policy.type === 'Pods' ? start + policy.value : Math.ceil(start * (1 + policy.value / 100));
    result = pick(result, proposed);
  }
  return Number.isFinite(result) ? result : currentReplicas;
}

/** calculateScaleDownLimitWithBehaviors: the lowest count the scale-down policies allow now. */
export function scaleDownLimit(
  currentReplicas: number,
  state: Pick<HpaState, 'scaleUpEvents' | 'scaleDownEvents'>,
  rules: ScalingRules,
  nowMs: number,
): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? -Infinity : Infinity;
  for (const policy of rules.policies) {
    const start =
      currentReplicas -
      changeInPeriod(state.scaleUpEvents, policy.periodSeconds, nowMs) +
      changeInPeriod(state.scaleDownEvents, policy.periodSeconds, nowMs);
    const proposed =
      policy.type === 'Pods' ? start - policy.value : Math.trunc(start * (1 - policy.value / 100));
    result = pick(result, proposed);
  }
  return Number.isFinite(result) ? result : currentReplicas;
}

/** What bounded a decision. */
export type LimitReason = 'min' | 'max' | 'policy' | 'stabilization';

/** Input of {@link limitByBehavior}. */
export interface LimitInput {
  nowMs: number;
  currentReplicas: number;
  desiredReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  behavior: Behavior;
  state: Pick<HpaState, 'scaleUpEvents' | 'scaleDownEvents'>;
}

/**
 * convertDesiredReplicasWithBehaviorRate: clamps a (stabilized) recommendation to the policies' rate limits
 * and to [minReplicas, maxReplicas]; `limitedBy` says which bound bit, as the HPA's ScaleUpLimit /
 * TooManyReplicas / ScaleDownLimit / TooFewReplicas conditions do.
 */
export function limitByBehavior(input: LimitInput): { replicas: number; limitedBy: LimitReason | null } {
  const { nowMs, currentReplicas, desiredReplicas, minReplicas, maxReplicas, behavior, state } = input;
  if (desiredReplicas > currentReplicas) {
    // Until the period's events age out, a limit below the current count just means "no further scale-up".
    const limit = Math.max(scaleUpLimit(currentReplicas, state, behavior.scaleUp, nowMs), currentReplicas);
    const allowed = Math.min(maxReplicas, limit);
    if (desiredReplicas > allowed)
      return { replicas: allowed, limitedBy: limit < maxReplicas ? 'policy' : 'max' };
  } else if (desiredReplicas < currentReplicas) {
    const limit = Math.min(
      scaleDownLimit(currentReplicas, state, behavior.scaleDown, nowMs),
      currentReplicas,
    );
    const allowed = Math.max(minReplicas, limit);
    if (desiredReplicas < allowed)
      return { replicas: allowed, limitedBy: limit > minReplicas ? 'policy' : 'min' };
  }
  return { replicas: desiredReplicas, limitedBy: null };
}

/**
 * storeScaleEvent: remembers a completed scale so the policies can count it; events older than the longest
 * policy period of their direction are dropped.
 */
export function recordScaleEvent(
  state: HpaState,
  behavior: Behavior,
  previousReplicas: number,
  newReplicas: number,
  nowMs: number,
): HpaState {
  const longest = (rules: ScalingRules) => Math.max(0, ...rules.policies.map((p) => p.periodSeconds)) * 1000;
  const upCutoff = nowMs - longest(behavior.scaleUp);
  const downCutoff = nowMs - longest(behavior.scaleDown);
  const scaleUpEvents = state.scaleUpEvents.filter((e) => e.atMs > upCutoff);
  const scaleDownEvents = state.scaleDownEvents.filter((e) => e.atMs > downCutoff);
  if (newReplicas > previousReplicas)
    scaleUpEvents.push({ atMs: nowMs, change: newReplicas - previousReplicas });
  if (newReplicas < previousReplicas)
    scaleDownEvents.push({ atMs: nowMs, change: previousReplicas - newReplicas });
  return { ...state, scaleUpEvents, scaleDownEvents };
}

/** Input of {@link normalizeDesiredReplicas}. */
export interface NormalizeInput {
  nowMs: number;
  currentReplicas: number;
  /** The combined raw recommendation of this period. */
  desiredReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  behavior: Behavior;
  state: HpaState;
}

/** The result of {@link normalizeDesiredReplicas}. */
export interface NormalizeResult {
  /** The count to scale to. */
  replicas: number;
  /** The recommendation after stabilization, before rate limits and min/max. */
  stabilized: number;
  limitedBy: LimitReason | null;
  /** The state to pass to the next period (the scale event is already recorded when `replicas` changed). */
  state: HpaState;
}

/**
 * normalizeDesiredReplicasWithBehaviors: stabilization, then policies and min/max; records the raw
 * recommendation and the scale event. When the current count is outside [min, max] the HPA goes straight to
 * the nearest bound, without stabilization (reconcileAutoscaler), and so does this.
 */
export function normalizeDesiredReplicas(input: NormalizeInput): NormalizeResult {
  const { nowMs, currentReplicas, desiredReplicas, minReplicas, maxReplicas, behavior } = input;
  if (currentReplicas > maxReplicas || currentReplicas < minReplicas) {
    const replicas = currentReplicas > maxReplicas ? maxReplicas : minReplicas;
    return {
      replicas,
      stabilized: desiredReplicas,
      limitedBy: currentReplicas > maxReplicas ? 'max' : 'min',
      state: recordScaleEvent(input.state, behavior, currentReplicas, replicas, nowMs),
    };
  }
  const stabilized = stabilizeRecommendation({
    nowMs,
    currentReplicas,
    desiredReplicas,
    behavior,
    recommendations: input.state.recommendations,
  });
  const limited = limitByBehavior({
    nowMs,
    currentReplicas,
    desiredReplicas: stabilized.replicas,
    minReplicas,
    maxReplicas,
    behavior,
    state: input.state,
  });
  const limitedBy = limited.limitedBy ?? (stabilized.replicas !== desiredReplicas ? 'stabilization' : null);
  const state = recordScaleEvent(
    { ...input.state, recommendations: stabilized.recommendations },
    behavior,
    currentReplicas,
    limited.replicas,
    nowMs,
  );
  return { replicas: limited.replicas, stabilized: stabilized.replicas, limitedBy, state };
}
