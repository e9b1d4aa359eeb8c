import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadSpec, type PipelineSpec, type SystemSpec } from '@opsloop/runtime';
import type { SystemStatus } from '@opsloop/contracts';
import { startTraffic, followCanary } from './canary.js';
import { deploySpec, restoreSpec, rolledOut, type Deployment } from './deploy-environment.js';
import { localEnvironmentDocument } from './environment-spec.js';
import { localEnvironment, systemStatus, waitSettled, type LocalEnvironment } from './local-environment.js';
import { makeRelease, pruneReleases, type Release } from './release.js';
import { describeExit, runCommand } from './run-command.js';
import { exposedUrls, runSmokeChecks } from './smoke.js';
import type { Stage, StageOutcome } from './stage-runner.js';
import { auditDependencies, generateSbom } from './supply-chain.js';

/** The stages of `opsloop pipeline run`, in order. */
export const STAGE_NAMES = [
  'lint',
  'test',
  'build',
  'sbom',
  'audit',
  'release',
  'staging',
  'smoke',
  'canary',
] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export interface PipelineContext {
  file: string;
  sourceDir: string;
  /** `<spec dir>/.opsloop/pipeline`: releases, environments, the SBOM. */
  pipelineDir: string;
  spec: SystemSpec;
  pipeline: PipelineSpec;
  document: Record<string, unknown>;
}

export interface PipelineOptions {
  /** How to run the opsloop CLI (the environments' runtimes are `opsloop up`). */
  opsloop: readonly string[];
  skip: ReadonlySet<StageName>;
  /** Command stages' output as it comes (`--verbose`). */
  onOutput?: (chunk: string) => void;
}

/** Reads the spec and its `pipeline:` section (a spec without one runs the defaults). */
export async function pipelineContext(file: string): Promise<PipelineContext> {
  const loaded = await loadSpec(file);
  const sourceDir = dirname(resolve(file));
  const document = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  const pipeline = loaded.spec.pipeline;
  if (pipeline === undefined)
    throw new Error(
      `${file} has no pipeline section: add one (see docs/delivery.md, "The pipeline: section")`,
    );
  return {
    file: resolve(file),
    sourceDir,
    pipelineDir: join(sourceDir, '.opsloop', 'pipeline'),
    spec: loaded.spec,
    pipeline,
    document,
  };
}

/** The environments the pipeline deploys to. */
export function pipelineEnvironments(context: PipelineContext): {
  staging: LocalEnvironment;
  production: LocalEnvironment;
} {
  return {
    staging: localEnvironment(context.pipelineDir, context.pipeline.staging),
    production: localEnvironment(context.pipelineDir, context.pipeline.production),
  };
}

/** The stages, with what they share (the release, staging's addresses). */
export function pipelineStages(context: PipelineContext, options: PipelineOptions): Stage[] {
  const { pipeline, sourceDir, pipelineDir } = context;
  const timeoutMs = pipeline.commandTimeoutSeconds * 1000;
  const deployMs = pipeline.deployTimeoutSeconds * 1000;
  const environments = pipelineEnvironments(context);
  const sbomFile = join(pipelineDir, 'sbom.cdx.json');
  let release: Release | undefined;
  let staged: SystemStatus | undefined;

  const command = (name: 'lint' | 'test' | 'build'): Stage => ({
    name,
    async run(): Promise<StageOutcome> {
      const argv = pipeline[name];
      if (argv === undefined) return { status: 'skipped', detail: `no pipeline.${name} command` };
      const result = await runCommand(argv, {
        cwd: sourceDir,
        timeoutMs,
        ...(options.onOutput === undefined ? {} : { onOutput: options.onOutput }),
      });
      const detail = describeExit(argv, result, timeoutMs);
      return result.code === 0
        ? { status: 'passed', detail }
        : { status: 'failed', detail, output: result.tail };
    },
  });

  const environmentSpec = (environment: LocalEnvironment, canary: boolean): string =>
    stringify(
      localEnvironmentDocument({
        document: context.document,
        spec: context.spec,
        environment: environment.name,
        sourceDir,
        environmentDir: environment.dir,
        release: release!,
        ...(canary ? { canary: pipeline.canary } : {}),
      }),
    );

  const stages: Stage[] = [
    command('lint'),
    command('test'),
    command('build'),
    {
      name: 'sbom',
      async run() {
        if (!pipeline.sbom) return { status: 'skipped', detail: 'pipeline.sbom is false' };
        if (!existsSync(join(sourceDir, 'package.json')))
          return { status: 'skipped', detail: 'no package.json' };
        await mkdir(pipelineDir, { recursive: true });
        return generateSbom(sourceDir, sbomFile, timeoutMs);
      },
    },
    {
      name: 'audit',
      async run() {
        if (!existsSync(join(sourceDir, 'package-lock.json')))
          return { status: 'skipped', detail: 'no package-lock.json' };
        return auditDependencies(sourceDir, pipeline.audit, Math.min(timeoutMs, 300_000));
      },
    },
    {
      name: 'release',
      async run() {
        const extras: Record<string, string> = existsSync(sbomFile)
          ? { 'sbom.cdx.json': await readFile(sbomFile, 'utf8') }
          : {};
        release = await makeRelease({
          sourceDir,
          releasesDir: join(pipelineDir, 'releases'),
          include: pipeline.release.include,
          exclude: pipeline.release.exclude,
          extras,
        });
        const removed = await pruneReleases(
          join(pipelineDir, 'releases'),
          pipeline.release.keep,
          await releasesInUse(pipelineDir),
        );
        return {
          status: 'passed',
          detail: `${release.id}: ${release.files.length} files${release.created ? '' : ' (unchanged: already made)'}${removed.length > 0 ? `; ${removed.length} old removed` : ''}`,
        };
      },
    },
    {
      name: 'staging',
      async run() {
        const environment = environments.staging;
        const deployment = await deploySpec(
          environment,
          environmentSpec(environment, false),
          options.opsloop,
          deployMs,
        );
        try {
          staged = await waitSettled(deployment.state, deployMs);
        } catch (error) {
          await restoreSpec(environment, deployment, deployMs).catch(() => undefined);
          throw new Error(
            `${error instanceof Error ? error.message : String(error)}; ${environment.name} put back`,
          );
        }
        return { status: 'passed', detail: deployed(environment, release!, deployment) };
      },
    },
    {
      name: 'smoke',
      async run() {
        if (pipeline.smoke.length === 0) return { status: 'skipped', detail: 'no pipeline.smoke checks' };
        const failures = await runSmokeChecks(pipeline.smoke, exposedUrls(staged!));
        if (failures.length > 0) return { status: 'failed', detail: failures.join('; ') };
        return {
          status: 'passed',
          detail: `${pipeline.smoke.length} checks on ${environments.staging.name}`,
        };
      },
    },
    {
      name: 'canary',
      async run() {
        const environment = environments.production;
        const deployment = await deploySpec(
          environment,
          environmentSpec(environment, true),
          options.opsloop,
          deployMs,
        );
        if (deployment.started)
          return {
            status: 'passed',
            detail: `${deployed(environment, release!, deployment)} (first release: no canary)`,
          };
        const rolling = rolledOut(deployment.changes);
        if (rolling.length === 0) {
          await waitSettled(deployment.state, deployMs);
          return { status: 'passed', detail: `${environment.name}: no service changed` };
        }
        let count = { sent: 0, ok: 0, failed: 0 };
        const traffic = startTraffic(
          pipeline.smoke,
          exposedUrls(await systemStatus(deployment.state)),
          pipeline.canary.requestsPerSecond,
        );
        let outcomes;
        try {
          outcomes = await Promise.all(
            rolling.map((r) =>
              followCanary(deployment.state, r.service, r.revision, pipeline.canary.timeoutSeconds * 1000),
            ),
          );
        } finally {
          count = await traffic.stop();
        }
        const requests = `${count.sent} requests, ${count.failed} failed`;
        const failed = outcomes.filter((o) => o.result !== 'promoted');
        if (failed.length === 0) {
          await waitSettled(deployment.state, deployMs);
          return {
            status: 'passed',
            detail: `${environment.name}: ${release!.id} promoted (${rolling.map((r) => r.service).join(', ')}; ${requests})`,
          };
        }
        await restoreSpec(environment, deployment, deployMs);
        return {
          status: 'failed',
          detail: `${environment.name}: rolled back (${failed.map((o) => `${o.service}: ${o.reason}`).join('; ')}; ${requests})`,
        };
      },
    },
  ];
  return stages.filter((s) => !options.skip.has(s.name as StageName));
}

function deployed(environment: LocalEnvironment, release: Release, deployment: Deployment): string {
  if (deployment.started) return `${environment.name}: started on ${release.id}`;
  const rolling = rolledOut(deployment.changes).map((r) => r.service);
  return `${environment.name}: ${release.id}${rolling.length > 0 ? ` rolled out (${rolling.join(', ')})` : ' (no service changed)'}`;
}

/** Release ids the environments' specs name: never pruned. */
async function releasesInUse(pipelineDir: string): Promise<Set<string>> {
  const used = new Set<string>();
  const root = join(pipelineDir, 'environments');
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const text = await readFile(join(root, name, 'opsloop.yaml'), 'utf8').catch(() => '');
    for (const match of text.matchAll(/releases[/\\]([0-9a-f]{12})[/\\]/g)) used.add(match[1]!);
  }
  return used;
}
