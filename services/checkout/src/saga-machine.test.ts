import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COMPENSATION_STEPS,
  compensationPlan,
  decide,
  FAILURE_REASONS,
  FIRST_STEP,
  FORWARD_STEPS,
  isAfterPivot,
  isTerminal,
  mayCompensate,
  nextForwardStep,
  type FailureReason,
  type ForwardStep,
  type RetryPolicy,
  type SagaProgress,
  type StepOutcome,
} from './saga-machine.js';

const policy: RetryPolicy = { attemptsPerRun: 3, backoffMs: [10, 100, 1000], maxBackoffMs: 500 };
const done: StepOutcome = { kind: 'done' };
const transient: StepOutcome = { kind: 'transient' };
const failed = (reason: FailureReason): StepOutcome => ({ kind: 'failed', reason });
const running = (step: ForwardStep, source: SagaProgress['source'] = 'lines'): SagaProgress => ({
  state: 'running',
  step,
  source,
  failure: null,
});

function forwardPath(source: SagaProgress['source']): string[] {
  const path: string[] = [FIRST_STEP];
  for (let step: ForwardStep | undefined = FIRST_STEP; step !== undefined;) {
    step = nextForwardStep(step, source);
    if (step !== undefined) path.push(step);
  }
  return path;
}

describe('the forward path', () => {
  it('reserves, creates, authorizes, confirms, captures, commits, marks paid, clears the cart, completes', () => {
    expect(forwardPath('cart')).toEqual([
      'reserve',
      'create-order',
      'authorize',
      'confirm-order',
      'capture',
      'commit-reservation',
      'mark-paid',
      'clear-cart',
      'complete',
    ]);
  });

  it('skips clearing the cart when the lines were given explicitly', () => {
    expect(forwardPath('lines')).not.toContain('clear-cart');
    expect(decide(running('mark-paid', 'lines'), done, 1, 1, policy)).toEqual({
      kind: 'advance',
      state: 'running',
      step: 'complete',
    });
  });

  it('completes after the complete step', () => {
    expect(decide(running('complete'), done, 1, 1, policy)).toEqual({
      kind: 'advance',
      state: 'completed',
      step: 'complete',
    });
  });

  it('puts the pivot at the capture: only the steps after it are forward-only', () => {
    expect(FORWARD_STEPS.filter(isAfterPivot)).toEqual([
      'commit-reservation',
      'mark-paid',
      'clear-cart',
      'complete',
    ]);
  });
});

describe('which compensations apply after which failure', () => {
  const plan = (step: ForwardStep, reason: FailureReason) => compensationPlan({ step, reason });

  it.each([
    ['reserve', 'out-of-stock', ['compensate']],
    ['reserve', 'unavailable', ['release-reservation', 'compensate']],
    ['create-order', 'unavailable', ['release-reservation', 'cancel-order', 'compensate']],
    ['create-order', 'internal', ['release-reservation', 'cancel-order', 'compensate']],
    ['authorize', 'payment-declined', ['release-reservation', 'cancel-order', 'compensate']],
    ['authorize', 'unavailable', ['void-payment', 'release-reservation', 'cancel-order', 'compensate']],
    ['confirm-order', 'internal', ['void-payment', 'release-reservation', 'cancel-order', 'compensate']],
    ['capture', 'payment-error', ['void-payment', 'release-reservation', 'cancel-order', 'compensate']],
    ['capture', 'reservation-expired', ['void-payment', 'release-reservation', 'cancel-order', 'compensate']],
    [
      'commit-reservation',
      'reservation-expired',
      ['refund-payment', 'release-reservation', 'cancel-order', 'compensate'],
    ],
  ] as const)('after %s fails with %s: %j', (step, reason, expected) => {
    expect(plan(step, reason)).toEqual(expected);
  });

  it('always undoes in reverse (payment, then stock, then order) and ends with compensate', () => {
    for (const step of FORWARD_STEPS) {
      for (const reason of FAILURE_REASONS) {
        const steps = plan(step, reason);
        const order = steps.map((s) => COMPENSATION_STEPS.indexOf(s));
        expect([...order].sort((a, b) => a - b)).toEqual(order);
        expect(steps.at(-1)).toBe('compensate');
        expect(
          steps.filter((s) => s === 'refund-payment' || s === 'void-payment').length,
        ).toBeLessThanOrEqual(1);
      }
    }
  });

  it('walks the plan step by step to compensated', () => {
    let progress: SagaProgress = {
      state: 'compensating',
      step: 'void-payment',
      source: 'lines',
      failure: { step: 'authorize', reason: 'unavailable' },
    };
    const seen: string[] = [progress.step];
    while (!isTerminal(progress.state)) {
      const decision = decide(progress, done, 1, 1, policy);
      if (decision.kind !== 'advance') throw new Error(`unexpected ${decision.kind}`);
      progress = { ...progress, state: decision.state, step: decision.step };
      if (!isTerminal(progress.state)) seen.push(progress.step);
    }
    expect(seen).toEqual(['void-payment', 'release-reservation', 'cancel-order', 'compensate']);
    expect(progress.state).toBe('compensated');
  });
});

describe('failures', () => {
  it('starts compensating on a definitive failure before the pivot, with the first compensation of the plan', () => {
    expect(decide(running('authorize'), failed('payment-declined'), 1, 1, policy)).toEqual({
      kind: 'compensate',
      step: 'release-reservation',
      failure: { step: 'authorize', reason: 'payment-declined' },
    });
    expect(decide(running('reserve'), failed('out-of-stock'), 1, 1, policy)).toEqual({
      kind: 'compensate',
      step: 'compensate',
      failure: { step: 'reserve', reason: 'out-of-stock' },
    });
  });

  it('still compensates a refused capture (the payment was not and cannot be captured)', () => {
    expect(decide(running('capture'), failed('payment-error'), 1, 1, policy)).toMatchObject({
      kind: 'compensate',
      step: 'void-payment',
    });
  });

  it('never compensates after the pivot, except an expired reservation at commit (refund and cancel)', () => {
    for (const step of ['commit-reservation', 'mark-paid', 'clear-cart', 'complete'] as const) {
      for (const reason of FAILURE_REASONS) {
        const decision = decide(running(step), failed(reason), 4, 1, policy);
        if (step === 'commit-reservation' && reason === 'reservation-expired') {
          expect(decision).toMatchObject({ kind: 'compensate', step: 'refund-payment' });
          expect(mayCompensate(step, reason)).toBe(true);
        } else {
          expect(decision).toEqual({ kind: 'park', delayMs: 500 });
          expect(mayCompensate(step, reason)).toBe(false);
        }
      }
    }
  });

  it('retries a transient failure in the run with back-off, then gives up before the pivot', () => {
    expect(decide(running('create-order'), transient, 1, 1, policy)).toEqual({ kind: 'retry', delayMs: 10 });
    expect(decide(running('create-order'), transient, 2, 2, policy)).toEqual({ kind: 'retry', delayMs: 100 });
    expect(decide(running('create-order'), transient, 3, 3, policy)).toEqual({
      kind: 'compensate',
      step: 'release-reservation',
      failure: { step: 'create-order', reason: 'unavailable' },
    });
  });

  it('parks (never gives up) a transient failure at or after the pivot', () => {
    for (const step of ['capture', 'commit-reservation', 'mark-paid', 'complete'] as const) {
      expect(decide(running(step), transient, 1, 1, policy)).toEqual({ kind: 'retry', delayMs: 10 });
      expect(decide(running(step), transient, 3, 3, policy)).toEqual({ kind: 'park', delayMs: 500 });
      expect(decide(running(step), transient, 2, 3, policy)).toEqual({ kind: 'park', delayMs: 100 });
    }
  });

  it('skips a best-effort step (clearing the cart) that stays unavailable', () => {
    expect(decide(running('clear-cart', 'cart'), transient, 3, 3, policy)).toEqual({
      kind: 'advance',
      state: 'running',
      step: 'complete',
    });
  });

  it('retries compensations until they succeed: parked, never abandoned', () => {
    const progress: SagaProgress = {
      state: 'compensating',
      step: 'release-reservation',
      source: 'lines',
      failure: { step: 'create-order', reason: 'unavailable' },
    };
    expect(decide(progress, transient, 1, 1, policy)).toEqual({ kind: 'retry', delayMs: 10 });
    expect(decide(progress, transient, 50, 3, policy)).toEqual({ kind: 'park', delayMs: 500 });
  });

  it('refuses to move a finished saga', () => {
    expect(() =>
      decide({ state: 'completed', step: 'complete', source: 'lines', failure: null }, done, 1, 1, policy),
    ).toThrow(/already completed/);
  });
});

describe('any sequence of outcomes', () => {
  const outcome = fc.oneof(
    fc.constant<StepOutcome>(done),
    fc.constant<StepOutcome>(transient),
    fc.constantFrom(...FAILURE_REASONS).map(failed),
  );

  it('never charges without completing or refunding, and never voids after a capture', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<SagaProgress['source']>('cart', 'lines'),
        fc.array(outcome, { minLength: 1, maxLength: 80 }),
        (source, outcomes) => {
          let progress: SagaProgress = { state: 'running', step: FIRST_STEP, source, failure: null };
          let attempts = 0;
          let runAttempts = 0;
          let captured = false;
          const compensations: string[] = [];
          // Outcomes first, then `done` forever: every saga must then finish.
          for (let i = 0; i < outcomes.length + 40 && !isTerminal(progress.state); i++) {
            const next = outcomes[i] ?? done;
            const decision = decide(progress, next, ++attempts, ++runAttempts, policy);
            if (progress.step === 'capture' && next.kind === 'done') captured = true;
            if (decision.kind === 'retry') continue;
            if (decision.kind === 'park') {
              runAttempts = 0;
              continue;
            }
            attempts = 0;
            runAttempts = 0;
            if (decision.kind === 'compensate') {
              progress = {
                ...progress,
                state: 'compensating',
                step: decision.step,
                failure: decision.failure,
              };
            } else {
              progress = { ...progress, state: decision.state, step: decision.step };
            }
            if (progress.state === 'compensating') compensations.push(progress.step);
          }
          expect(isTerminal(progress.state)).toBe(true);
          if (captured) {
            expect(compensations).not.toContain('void-payment');
            // A captured payment ends in a completed saga, or is refunded.
            if (progress.state === 'compensated') expect(compensations).toContain('refund-payment');
          }
          if (progress.state === 'compensated') expect(compensations.at(-1)).toBe('compensate');
        },
      ),
      { numRuns: 500 },
    );
  });
});
