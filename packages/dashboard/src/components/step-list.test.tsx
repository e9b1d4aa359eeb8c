// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProgressStatus } from '@opsloop/contracts';
import { rolloutSteps, StepList } from './step-list.js';

afterEach(cleanup);

const canary: ProgressStatus = {
  strategy: 'Canary',
  stableRevision: 'aaaaaaaaaa',
  newRevision: 'bbbbbbbbbb',
  weight: 10,
  step: 1,
  steps: 3,
  phase: 'analysing',
  fastTrack: false,
  analyses: [],
};

describe('rolloutSteps', () => {
  it("marks a canary's steps done / current / pending, promotion last", () => {
    expect(rolloutSteps(canary)).toEqual([
      { label: 'Step 1 · 10 %', state: 'current' },
      { label: 'Step 2', state: 'pending' },
      { label: 'Step 3', state: 'pending' },
      { label: 'Promotion · 100 %', state: 'pending' },
    ]);
    expect(rolloutSteps({ ...canary, step: 4, weight: 100, phase: 'promoting' }).map((s) => s.state)).toEqual(
      ['done', 'done', 'done', 'current'],
    );
  });

  it('gives a blue-green rollout a preview then a switch', () => {
    const blueGreen: ProgressStatus = {
      ...canary,
      strategy: 'BlueGreen',
      steps: 1,
      weight: 0,
      phase: 'waiting-for-promotion',
    };
    expect(rolloutSteps(blueGreen)).toEqual([
      { label: 'Preview (no traffic)', state: 'current' },
      { label: 'Switch traffic', state: 'pending' },
    ]);
    expect(rolloutSteps({ ...blueGreen, phase: 'promoting' }).map((s) => s.state)).toEqual([
      'done',
      'current',
    ]);
  });
});

describe('<StepList>', () => {
  it('says each state in words and marks the current step', () => {
    render(<StepList label="Steps" steps={rolloutSteps({ ...canary, step: 2, weight: 50 })} />);
    const items = screen.getAllByRole('listitem');
    expect(items.map((i) => i.getAttribute('aria-current'))).toEqual([null, 'step', null, null]);
    expect(items[0]!.textContent).toBe('✓Step 1done');
  });
});
