/**
 * The checkout saga as a pure state machine: which step comes next, which compensations undo which steps,
 * and how a step's outcome moves the saga. No I/O and no clock: the runner executes what this decides.
 *
 * Forward:  reserve → create-order → authorize → confirm-order → capture (pivot) → commit-reservation →
 *           mark-paid → clear-cart (cart checkouts only) → complete
 * Backward: [refund-payment | void-payment] → release-reservation → cancel-order → compensate
 */

/** The forward steps, in order. */
export const FORWARD_STEPS = [
  'reserve',
  'create-order',
  'authorize',
  'confirm-order',
  'capture',
  'commit-reservation',
  'mark-paid',
  'clear-cart',
  'complete',
] as const;

/** The compensation steps, in the order they run when they apply. */
export const COMPENSATION_STEPS = [
  'refund-payment',
  'void-payment',
  'release-reservation',
  'cancel-order',
  'compensate',
] as const;

/** A forward step. */
export type ForwardStep = (typeof FORWARD_STEPS)[number];
/** A compensation step. */
export type CompensationStep = (typeof COMPENSATION_STEPS)[number];
/** Any step. */
export type SagaStep = ForwardStep | CompensationStep;

/** Every step (forward then compensation): the crash points are `before:` and `after:` each of them. */
export const SAGA_STEPS: readonly SagaStep[] = [...FORWARD_STEPS, ...COMPENSATION_STEPS];

/**
 * The pivot: once the capture has been attempted the saga only moves forward. Its transient failures are
 * retried until the payments service answers; only a definitive refusal (the payment cannot be captured and
 * was not) still compensates.
 */
export const PIVOT_STEP: ForwardStep = 'capture';

/** Steps whose effect is optional: a transient failure that outlasts the in-process attempts skips them. */
export const BEST_EFFORT_STEPS: ReadonlySet<SagaStep> = new Set<SagaStep>(['clear-cart']);

/** The lifecycle of a saga. `completed` and `compensated` are terminal. */
export type SagaState = 'running' | 'compensating' | 'completed' | 'compensated';

/** Every saga state. */
export const SAGA_STATES: readonly SagaState[] = ['running', 'compensating', 'completed', 'compensated'];

/** Why a saga compensated. */
export type FailureReason =
  /** Inventory could not hold every line. */
  | 'out-of-stock'
  /** The card was declined at authorization. */
  | 'payment-declined'
  /** The authorization could not be captured (and was not). */
  | 'payment-error'
  /** A participant stayed unavailable through every attempt of a step before the pivot. */
  | 'unavailable'
  /** The reservation expired before its stock was committed. */
  | 'reservation-expired'
  /** A participant refused a request that should have been valid (a bug or corrupt data). */
  | 'internal';

/** Every failure reason. */
export const FAILURE_REASONS: readonly FailureReason[] = [
  'out-of-stock',
  'payment-declined',
  'payment-error',
  'unavailable',
  'reservation-expired',
  'internal',
];

/** Failures a client may retry with the same Idempotency-Key (the key then starts a new saga). */
export const RETRYABLE_FAILURES: ReadonlySet<FailureReason> = new Set<FailureReason>([
  'unavailable',
  'reservation-expired',
  'internal',
]);

/** Where a saga failed and why. */
export interface SagaFailure {
  reason: FailureReason;
  /** The forward step that failed. */
  step: ForwardStep;
}

/** What the machine needs to know of a saga. */
export interface SagaProgress {
  state: SagaState;
  step: SagaStep;
  /** A cart checkout also clears the cart; an explicit-lines checkout skips that step. */
  source: 'cart' | 'lines';
  failure: SagaFailure | null;
}

/** What executing one step produced. */
export type StepOutcome =
  /** The step's effect exists now (or was proven to exist already, or, for a compensation, to be absent). */
  | { kind: 'done' }
  /** A definitive failure of a forward step. */
  | { kind: 'failed'; reason: FailureReason }
  /** Nothing is known (unavailable, timed out): the step may be redone. */
  | { kind: 'transient' };

/** Retry settings of the runner. */
export interface RetryPolicy {
  /** Attempts of a step in one run (with `backoffMs` between them) before parking or giving up. */
  attemptsPerRun: number;
  /** Delay before attempt n + 1 (the last value repeats); also the parking delay, capped by `maxBackoffMs`. */
  backoffMs: readonly number[];
  /** Longest delay before a parked saga is retried. */
  maxBackoffMs: number;
}

/** The next state of a saga after a step. */
export type Decision =
  /** Move to `step` (same or new state); `state` terminal means the saga is finished. */
  | { kind: 'advance'; state: SagaState; step: SagaStep }
  /** Start compensating: `step` is the first compensation of the plan for `failure`. */
  | { kind: 'compensate'; step: CompensationStep; failure: SagaFailure }
  /** Redo the same step after `delayMs`, in this run. */
  | { kind: 'retry'; delayMs: number }
  /** Leave the step to the recovery loop, due after `delayMs`. */
  | { kind: 'park'; delayMs: number };

const forwardIndex = (step: SagaStep): number => (FORWARD_STEPS as readonly string[]).indexOf(step);

/** Whether `step` is a forward step. */
export function isForwardStep(step: SagaStep): step is ForwardStep {
  return forwardIndex(step) !== -1;
}

/** Whether `step` comes after the pivot (forward only: its failures are retried until it succeeds). */
export function isAfterPivot(step: SagaStep): boolean {
  return isForwardStep(step) && forwardIndex(step) > forwardIndex(PIVOT_STEP);
}

/** Whether a failure of forward `step` for `reason` may be compensated. */
export function mayCompensate(step: ForwardStep, reason: FailureReason): boolean {
  if (forwardIndex(step) <= forwardIndex(PIVOT_STEP)) return true;
  // The one failure after the pivot: the stock is gone, so the capture is refunded and the order cancelled.
  return step === 'commit-reservation' && reason === 'reservation-expired';
}

/** Whether the state is terminal. */
export function isTerminal(state: SagaState): boolean {
  return state === 'completed' || state === 'compensated';
}

/** The forward step after `step` for a checkout of `source`, or undefined after `complete`. */
export function nextForwardStep(step: ForwardStep, source: SagaProgress['source']): ForwardStep | undefined {
  for (let i = forwardIndex(step) + 1; i < FORWARD_STEPS.length; i++) {
    const next = FORWARD_STEPS[i];
    if (next === 'clear-cart' && source !== 'cart') continue;
    return next;
  }
  return undefined;
}

/**
 * The compensations that undo what may exist after `failure`, in the order they run, ending with
 * `compensate` (the saga is marked compensated and `order.cancelled.v1` is written to the outbox).
 *
 * A step whose failure proves it had no effect is not undone (out of stock: nothing was held; declined:
 * nothing was authorized); a step that failed without an answer (unavailable) may have had its effect, so it
 * is undone — every compensation is a no-op on something that does not exist.
 */
export function compensationPlan(failure: SagaFailure): CompensationStep[] {
  const failedAt = forwardIndex(failure.step);
  const started = (step: ForwardStep) => forwardIndex(step) <= failedAt;
  const plan: CompensationStep[] = [];
  if (failure.step === 'commit-reservation') {
    // After the pivot: the payment was captured, so it is refunded rather than voided.
    plan.push('refund-payment');
  } else if (
    started('authorize') &&
    !(failure.step === 'authorize' && failure.reason === 'payment-declined')
  ) {
    plan.push('void-payment');
  }
  if (started('reserve') && !(failure.step === 'reserve' && failure.reason === 'out-of-stock')) {
    plan.push('release-reservation');
  }
  if (started('create-order')) plan.push('cancel-order');
  plan.push('compensate');
  return plan;
}

/** The first step of a new saga. */
export const FIRST_STEP: ForwardStep = 'reserve';

function backoff(policy: RetryPolicy, attempt: number): number {
  const { backoffMs } = policy;
  const delay = backoffMs[Math.min(attempt - 1, backoffMs.length - 1)] ?? 0;
  return Math.min(delay, policy.maxBackoffMs);
}

/**
 * The saga's next state after `outcome` of its current step, which has now been attempted `attempts`
 * times in a row (this one included; `runAttempts` of them in this run).
 */
export function decide(
  progress: SagaProgress,
  outcome: StepOutcome,
  attempts: number,
  runAttempts: number,
  policy: RetryPolicy,
): Decision {
  const { step } = progress;
  if (isTerminal(progress.state)) throw new Error(`the saga is already ${progress.state}`);

  if (outcome.kind === 'done') return advanceFrom(progress);

  if (outcome.kind === 'failed') {
    if (progress.state === 'running' && isForwardStep(step) && mayCompensate(step, outcome.reason)) {
      const failure: SagaFailure = { reason: outcome.reason, step };
      return { kind: 'compensate', step: firstOf(compensationPlan(failure)), failure };
    }
    // Past the pivot (or while compensating) there is no going back: keep trying.
    return { kind: 'park', delayMs: backoff(policy, attempts) };
  }

  // Transient.
  if (runAttempts < policy.attemptsPerRun) return { kind: 'retry', delayMs: backoff(policy, runAttempts) };
  if (BEST_EFFORT_STEPS.has(step)) return advanceFrom(progress);
  if (progress.state === 'running' && isForwardStep(step) && forwardIndex(step) < forwardIndex(PIVOT_STEP)) {
    const failure: SagaFailure = { reason: 'unavailable', step };
    return { kind: 'compensate', step: firstOf(compensationPlan(failure)), failure };
  }
  return { kind: 'park', delayMs: backoff(policy, attempts) };
}

function firstOf(plan: CompensationStep[]): CompensationStep {
  const first = plan[0];
  if (first === undefined) throw new Error('a compensation plan always ends with compensate');
  return first;
}

function advanceFrom(progress: SagaProgress): Decision {
  const { step } = progress;
  if (progress.state === 'running' && isForwardStep(step)) {
    const next = nextForwardStep(step, progress.source);
    return next === undefined
      ? { kind: 'advance', state: 'completed', step }
      : { kind: 'advance', state: 'running', step: next };
  }
  if (progress.state === 'compensating' && progress.failure !== null && !isForwardStep(step)) {
    const plan = compensationPlan(progress.failure);
    const next = plan[plan.indexOf(step) + 1];
    return next === undefined
      ? { kind: 'advance', state: 'compensated', step }
      : { kind: 'advance', state: 'compensating', step: next };
  }
  throw new Error(`step ${step} does not belong to a ${progress.state} saga`);
}
