/** How a stage ended; `not-run` stages come after a failure. */
export type StageStatus = 'passed' | 'failed' | 'skipped' | 'not-run';

/** What a stage says of itself when it ends. */
export interface StageOutcome {
  status: 'passed' | 'failed' | 'skipped';
  /** One line: what it did, or why it failed or was skipped. */
  detail: string;
  /** Output worth showing when it failed (the tail of a command's output). */
  output?: string;
}

/** One step of the pipeline. A stage that throws has failed, with the error's message. */
export interface Stage {
  name: string;
  run(): Promise<StageOutcome>;
}

export interface StageResult {
  name: string;
  status: StageStatus;
  detail: string;
  output?: string;
  durationMs: number;
}

export interface PipelineResult {
  ok: boolean;
  durationMs: number;
  stages: StageResult[];
}

export interface RunStagesOptions {
  /** Milliseconds of a monotonic clock. */
  now: () => number;
  onStart?: (name: string) => void;
  onEnd?: (result: StageResult) => void;
}

/** Runs the stages in order and stops at the first that fails; those after it are reported as not run. */
export async function runStages(
  stages: readonly Stage[],
  options: RunStagesOptions,
): Promise<PipelineResult> {
  const began = options.now();
  const results: StageResult[] = [];
  let failed = false;
  for (const stage of stages) {
    if (failed) {
      const result: StageResult = {
        name: stage.name,
        status: 'not-run',
        detail: 'an earlier stage failed',
        durationMs: 0,
      };
      results.push(result);
      options.onEnd?.(result);
      continue;
    }
    options.onStart?.(stage.name);
    const start = options.now();
    let outcome: StageOutcome;
    try {
      outcome = await stage.run();
    } catch (error) {
      outcome = { status: 'failed', detail: error instanceof Error ? error.message : String(error) };
    }
    const result: StageResult = {
      name: stage.name,
      status: outcome.status,
      detail: outcome.detail,
      ...(outcome.output === undefined ? {} : { output: outcome.output }),
      durationMs: options.now() - start,
    };
    results.push(result);
    options.onEnd?.(result);
    if (outcome.status === 'failed') failed = true;
  }
  return { ok: !failed, durationMs: options.now() - began, stages: results };
}
