import { describe, expect, it } from 'vitest';
import { runStages, type Stage } from './stage-runner.js';

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('runStages', () => {
  it('runs every stage in order, timing each', async () => {
    const time = clock();
    const ran: string[] = [];
    const stage = (name: string, ms: number, status: 'passed' | 'skipped' = 'passed'): Stage => ({
      name,
      run: () => {
        ran.push(name);
        time.advance(ms);
        return Promise.resolve({ status, detail: `${name} done` });
      },
    });
    const result = await runStages(
      [stage('lint', 1200), stage('sbom', 0, 'skipped'), stage('test', 30_000)],
      {
        now: time.now,
      },
    );
    expect(ran).toEqual(['lint', 'sbom', 'test']);
    expect(result.ok).toBe(true);
    expect(result.durationMs).toBe(31_200);
    expect(result.stages.map((s) => [s.name, s.status, s.durationMs])).toEqual([
      ['lint', 'passed', 1200],
      ['sbom', 'skipped', 0],
      ['test', 'passed', 30_000],
    ]);
  });

  it('stops at the first failure (a thrown error is one) and reports the rest as not run', async () => {
    const time = clock();
    const ended: string[] = [];
    const ran: string[] = [];
    const stages: Stage[] = [
      {
        name: 'build',
        run: () => Promise.resolve({ status: 'failed', detail: 'exit code 2', output: 'tsc: error' }),
      },
      {
        name: 'release',
        run: () => (ran.push('release'), Promise.resolve({ status: 'passed', detail: '' })),
      },
    ];
    const result = await runStages(stages, {
      now: time.now,
      onEnd: (r) => ended.push(`${r.name}:${r.status}`),
    });
    expect(result.ok).toBe(false);
    expect(ran).toEqual([]);
    expect(ended).toEqual(['build:failed', 'release:not-run']);
    expect(result.stages[0]).toMatchObject({ detail: 'exit code 2', output: 'tsc: error' });

    const thrown = await runStages(
      [
        {
          name: 'staging',
          run: () => Promise.reject(new Error('the staging runtime stopped (exit code 1)')),
        },
      ],
      { now: time.now },
    );
    expect(thrown.stages[0]).toMatchObject({
      status: 'failed',
      detail: 'the staging runtime stopped (exit code 1)',
    });
  });
});
