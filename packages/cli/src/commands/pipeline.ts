import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive, SpecError } from '@opsloop/runtime';
import { CliError } from '../cli-error.js';
import { runningRuntime, stopRuntime } from '../pipeline/local-environment.js';
import {
  pipelineContext,
  pipelineEnvironments,
  pipelineStages,
  STAGE_NAMES,
  type PipelineContext,
  type StageName,
} from '../pipeline/pipeline.js';
import { runStages, type StageResult } from '../pipeline/stage-runner.js';

export interface PipelineRunOptions {
  file: string;
  skip: string[];
  verbose: boolean;
  output: 'table' | 'json';
}

export interface PipelineDownOptions {
  file: string;
  timeout: number;
}

// Stages that need an earlier one's work.
const NEEDS: Partial<Record<StageName, StageName>> = {
  staging: 'release',
  smoke: 'staging',
  canary: 'release',
};

/** The stages to skip, checked: known names, and nothing skipped that a stage kept needs. */
export function skippedStages(names: readonly string[]): Set<StageName> {
  const skip = new Set<StageName>();
  for (const name of names
    .flatMap((n) => n.split(','))
    .map((n) => n.trim())
    .filter((n) => n !== '')) {
    if (!(STAGE_NAMES as readonly string[]).includes(name))
      throw new CliError(`unknown stage "${name}" (stages: ${STAGE_NAMES.join(', ')})`);
    skip.add(name as StageName);
  }
  for (const [stage, needed] of Object.entries(NEEDS) as [StageName, StageName][])
    if (!skip.has(stage) && skip.has(needed))
      throw new CliError(`${stage} needs ${needed}: skip ${stage} too, or keep ${needed}`);
  return skip;
}

async function context(file: string): Promise<PipelineContext> {
  try {
    return await pipelineContext(file);
  } catch (error) {
    if (error instanceof SpecError) throw new CliError(error.message);
    if (error instanceof Error && !(error instanceof TypeError) && !(error instanceof RangeError))
      throw new CliError(error.message);
    throw error;
  }
}

/** How to run this CLI again (the environments' runtimes are its `up`). */
function self(): string[] {
  return [process.execPath, ...process.execArgv, process.argv[1]!];
}

const ICON: Record<StageResult['status'], string> = {
  passed: '✓',
  failed: '✗',
  skipped: '-',
  'not-run': ' ',
};

function seconds(ms: number): string {
  return ms < 60_000
    ? `${(ms / 1000).toFixed(1)} s`
    : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * `opsloop pipeline run`: the delivery pipeline on this machine — lint, test, build, SBOM, dependency
 * audit, release, deploy to the local staging environment, smoke checks, canary into the local production
 * environment (rolled back when its analysis fails). One line per stage with its duration and result; exit
 * 1 when a stage fails.
 */
export async function pipelineRun(options: PipelineRunOptions): Promise<number> {
  const skip = skippedStages(options.skip);
  const ctx = await context(options.file);
  const release = await lock(ctx.pipelineDir);
  const out = (line: string) => {
    if (options.output === 'table') process.stdout.write(`${line}\n`);
  };
  try {
    out(
      `pipeline of ${ctx.spec.metadata.name} (${ctx.file}): ${ctx.pipeline.staging} → ${ctx.pipeline.production}`,
    );
    const stages = pipelineStages(ctx, {
      opsloop: self(),
      skip,
      ...(options.verbose && options.output === 'table'
        ? { onOutput: (chunk: string) => process.stdout.write(chunk) }
        : {}),
    });
    const width = Math.max(...STAGE_NAMES.map((n) => n.length));
    const result = await runStages(stages, {
      now: () => performance.now(),
      onStart: (name) => {
        if (options.verbose) out(`▸ ${name}`);
      },
      onEnd: (stage) => {
        const time = stage.status === 'not-run' ? '' : seconds(stage.durationMs);
        out(
          `${ICON[stage.status]} ${stage.name.padEnd(width)}  ${stage.status.padEnd(7)}  ${time.padStart(9)}  ${stage.detail}`,
        );
        if (
          stage.status === 'failed' &&
          stage.output !== undefined &&
          stage.output !== '' &&
          !options.verbose
        )
          out(stage.output.replace(/^/gm, '    │ '));
      },
    });
    if (options.output === 'json') process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    const failed = result.stages.find((s) => s.status === 'failed');
    out(
      failed === undefined
        ? `pipeline passed in ${seconds(result.durationMs)}`
        : `pipeline failed at ${failed.name} after ${seconds(result.durationMs)}`,
    );
    return result.ok ? 0 : 1;
  } finally {
    await release();
  }
}

/** `opsloop pipeline down`: stops the local environments' runtimes (their specs, data and releases stay). */
export async function pipelineDown(options: PipelineDownOptions): Promise<number> {
  const ctx = await context(options.file);
  for (const environment of Object.values(pipelineEnvironments(ctx))) {
    const state = await runningRuntime(environment);
    if (state === undefined) {
      process.stdout.write(`${environment.name}: not running\n`);
      continue;
    }
    await stopRuntime(state, options.timeout * 1000);
    process.stdout.write(`${environment.name}: stopped (pid ${state.pid})\n`);
  }
  return 0;
}

/** One pipeline at a time per spec: a lock file holding the runner's pid. */
async function lock(pipelineDir: string): Promise<() => Promise<void>> {
  await mkdir(pipelineDir, { recursive: true });
  const path = join(pipelineDir, 'run.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && isProcessAlive(pid))
        throw new CliError(`a pipeline is already running from this spec (pid ${pid})`);
      await rm(path, { force: true });
    }
  }
  throw new CliError(`cannot take the pipeline lock ${path}`);
}
