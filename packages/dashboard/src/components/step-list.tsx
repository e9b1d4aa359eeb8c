import type { ProgressStatus } from '@opsloop/contracts';
import './step-list.css';

export type StepState = 'done' | 'current' | 'pending';

export interface Step {
  label: string;
  state: StepState;
}

const STATE_WORDS: Record<StepState, string> = { done: 'done', current: 'current', pending: 'pending' };

/** Steps in order, each done, current or pending (in words for screen readers, not only by colour). */
export function StepList(props: { steps: Step[]; label: string }) {
  return (
    <ol className="step-list" aria-label={props.label}>
      {props.steps.map((step, index) => (
        <li
          key={`${index}-${step.label}`}
          className={`step step-${step.state}`}
          aria-current={step.state === 'current' ? 'step' : undefined}
        >
          <span className="step-marker" aria-hidden="true">
            {step.state === 'done' ? '✓' : index + 1}
          </span>
          <span className="step-label">{step.label}</span>
          <span className="step-state">{STATE_WORDS[step.state]}</span>
        </li>
      ))}
    </ol>
  );
}

/**
 * The steps of a blue-green or canary rollout: a canary's steps then its promotion; a blue-green's preview
 * then its switch. The API gives the 1-based step being run (`steps + 1` = promotion) and the current
 * weight only (not each step's weight), so the current step carries the weight.
 */
export function rolloutSteps(progress: ProgressStatus): Step[] {
  const stateOf = (position: number): StepState =>
    position < progress.step ? 'done' : position === progress.step ? 'current' : 'pending';
  const promoting = progress.phase === 'promoting';
  if (progress.strategy === 'BlueGreen') {
    return [
      { label: 'Preview (no traffic)', state: promoting ? 'done' : stateOf(1) },
      { label: 'Switch traffic', state: promoting ? 'current' : stateOf(2) },
    ];
  }
  const steps: Step[] = [];
  for (let position = 1; position <= progress.steps; position++) {
    const state = stateOf(position);
    steps.push({
      label: state === 'current' ? `Step ${position} · ${progress.weight} %` : `Step ${position}`,
      state,
    });
  }
  steps.push({ label: 'Promotion · 100 %', state: stateOf(progress.steps + 1) });
  return steps;
}
