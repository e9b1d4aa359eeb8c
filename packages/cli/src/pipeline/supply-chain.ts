import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { PipelineSpec } from '@opsloop/runtime';
import type { StageOutcome } from './stage-runner.js';
import { describeExit, runCommand } from './run-command.js';

/** The CycloneDX generator's command line (the package's own CLI, run by this Node). */
function cyclonedxCommand(): string[] {
  const entry = createRequire(import.meta.url).resolve('@cyclonedx/cyclonedx-npm');
  return [process.execPath, join(dirname(entry), 'bin', 'cyclonedx-npm-cli.js')];
}

const bomSchema = z.object({
  bomFormat: z.literal('CycloneDX'),
  specVersion: z.string(),
  components: z
    .array(z.object({ name: z.string(), version: z.string().optional() }).passthrough())
    .default([]),
});

/**
 * A CycloneDX SBOM (JSON, spec 1.6, reproducible) of the production dependencies of the npm project in
 * `sourceDir`, written to `outFile`, by @cyclonedx/cyclonedx-npm (which reads `npm ls`).
 */
export async function generateSbom(
  sourceDir: string,
  outFile: string,
  timeoutMs: number,
): Promise<StageOutcome> {
  const command = [
    ...cyclonedxCommand(),
    '--omit',
    'dev',
    '--output-reproducible',
    '--flatten-components',
    '--output-format',
    'JSON',
    '--output-file',
    outFile,
  ];
  const result = await runCommand(command, { cwd: sourceDir, timeoutMs });
  if (result.code !== 0)
    return {
      status: 'failed',
      detail: describeExit(['cyclonedx-npm'], result, timeoutMs),
      output: result.tail,
    };
  const bom = bomSchema.safeParse(JSON.parse(await readFile(outFile, 'utf8')));
  if (!bom.success) return { status: 'failed', detail: `${outFile} is not a CycloneDX document` };
  return {
    status: 'passed',
    detail: `CycloneDX ${bom.data.specVersion}: ${bom.data.components.length} components`,
  };
}

const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;
const auditSchema = z.union([
  z.object({
    metadata: z.object({ vulnerabilities: z.record(z.string(), z.number()) }),
    vulnerabilities: z.record(z.string(), z.object({ severity: z.string() }).passthrough()).default({}),
  }),
  z.object({ message: z.string(), statusCode: z.number().optional() }),
  z.object({ error: z.object({ summary: z.string() }) }),
]);

/**
 * `npm audit --omit=dev`: fails on advisories at or above the level. When no advisory database answers
 * (a mirror without the audit API, no network), the stage is skipped and says why, or fails when
 * `required`.
 */
export async function auditDependencies(
  sourceDir: string,
  audit: PipelineSpec['audit'],
  timeoutMs: number,
): Promise<StageOutcome> {
  const stdout = await new Promise<string>((resolve) => {
    execFile(
      'npm',
      ['audit', '--json', '--omit=dev'],
      { cwd: sourceDir, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (_error, out) => resolve(String(out)),
    );
  });
  let parsed;
  try {
    parsed = auditSchema.safeParse(JSON.parse(stdout));
  } catch {
    parsed = undefined;
  }
  const unavailable = (why: string): StageOutcome => ({
    status: audit.required ? 'failed' : 'skipped',
    detail: `no advisory database answered (${why})`,
  });
  if (parsed === undefined || !parsed.success) return unavailable('npm audit gave no report');
  const report = parsed.data;
  if ('message' in report) return unavailable(report.message.slice(0, 120));
  if ('error' in report) return unavailable(report.error.summary.slice(0, 120));
  const at = SEVERITIES.indexOf(audit.level);
  const counts = report.metadata.vulnerabilities;
  const blocking = SEVERITIES.slice(at).reduce((sum, s) => sum + (counts[s] ?? 0), 0);
  const found = SEVERITIES.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${counts[s]} ${s}`);
  if (blocking === 0)
    return {
      status: 'passed',
      detail: found.length === 0 ? 'no known vulnerability' : `below ${audit.level}: ${found.join(', ')}`,
    };
  const packages = Object.entries(report.vulnerabilities)
    .filter(([, v]) => SEVERITIES.indexOf(v.severity as (typeof SEVERITIES)[number]) >= at)
    .map(([name]) => name);
  return {
    status: 'failed',
    detail: `${blocking} at ${audit.level} or above (${found.join(', ')}): ${packages.slice(0, 10).join(', ')}`,
  };
}
