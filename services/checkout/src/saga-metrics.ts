import { counterOn, histogramOn, HTTP_DURATION_BUCKETS, type ServiceMetrics } from '@opsloop/kit';

/** The saga's metrics. */
export interface SagaMetrics {
  /** One step outcome (`done`, `retry`, `parked`, `failed:<reason>` …) and how long the step took. */
  step(step: string, outcome: string, seconds: number): void;
  /** A saga reached `completed` or `compensated` (with its failure reason, `none` when completed). */
  finished(state: string, reason: string): void;
}

/** Registers the saga's metrics on the service's registry. */
export function createSagaMetrics(metrics: ServiceMetrics): SagaMetrics {
  const steps = counterOn(metrics.registry, {
    name: 'checkout_saga_steps_total',
    help: 'Saga step outcomes, by step and outcome (done, retry, parked, skipped, failed:<reason>, gave-up).',
    labelNames: ['step', 'outcome'] as const,
  });
  const duration = histogramOn(metrics.registry, {
    name: 'checkout_saga_step_duration_seconds',
    help: 'Duration of saga steps (the participant call and the persisted outcome), by step.',
    labelNames: ['step'] as const,
    buckets: HTTP_DURATION_BUCKETS,
  });
  const finished = counterOn(metrics.registry, {
    name: 'checkout_sagas_finished_total',
    help: 'Sagas that reached a terminal state, by state (completed, compensated) and failure reason.',
    labelNames: ['state', 'reason'] as const,
  });
  return {
    step(step, outcome, seconds) {
      steps.inc({ step, outcome });
      duration.observe({ step }, seconds);
    },
    finished(state, reason) {
      finished.inc({ state, reason });
    },
  };
}
