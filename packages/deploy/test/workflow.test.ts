/**
 * The GitHub Actions pipeline (.github/workflows/pipeline.yml) cannot run here: this suite holds it to its
 * shape — the stage order, least privilege, pinned actions, the real servers of the integration job, the
 * supply-chain steps, and a build, GitOps deploy and canary for every service and production region the spec
 * declares (a service added to opsloop.yaml and forgotten here fails it).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const TEXT = readFileSync(join(ROOT, '.github', 'workflows', 'pipeline.yml'), 'utf8');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string>;
  services?: Record<string, { image: string; env?: Record<string, string> }>;
  strategy?: { 'max-parallel'?: number; matrix: Record<string, string[]> };
  steps: Step[];
}
const workflow = parse(TEXT) as { permissions: Record<string, string>; jobs: Record<string, Job> };
const spec = parse(readFileSync(join(ROOT, 'opsloop.yaml'), 'utf8')) as {
  services: Record<string, unknown>;
  environments: Record<string, unknown>;
  pipeline: { smoke: unknown[] };
};
const jobs = workflow.jobs;
const needs = (job: string) => [jobs[job]!.needs ?? []].flat();
const steps = (job: string) => jobs[job]!.steps;
const runs = (job: string) =>
  steps(job)
    .map((s) => s.run ?? '')
    .join('\n');

describe('the GitHub Actions pipeline', () => {
  it('runs the stages in order: lint → unit + integration → images → staging → smoke/E2E → canary', () => {
    expect(needs('lint')).toEqual([]);
    expect(needs('unit')).toEqual(['lint']);
    expect(needs('integration')).toEqual(['lint']);
    expect(needs('images').sort()).toEqual(['integration', 'unit']);
    expect(needs('deploy-staging')).toEqual(['images']);
    expect(needs('smoke-e2e-staging')).toEqual(['deploy-staging']);
    expect(needs('canary-production')).toEqual(['smoke-e2e-staging']);
    // Every job is reached from lint; nothing runs beside the chain.
    expect(Object.keys(jobs).sort()).toEqual(
      [
        'canary-production',
        'deploy-staging',
        'images',
        'integration',
        'lint',
        'smoke-e2e-staging',
        'unit',
      ].sort(),
    );
  });

  it('gives read-only rights by default, and write only to the jobs that push', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
    const writers = Object.entries(jobs)
      .filter(([, job]) => Object.values(job.permissions ?? {}).includes('write'))
      .map(([name]) => name)
      .sort();
    expect(writers).toEqual(['canary-production', 'deploy-staging', 'images']);
    expect(jobs['images']!.permissions).toEqual({ contents: 'read', packages: 'write' });
  });

  it('uses actions at a released version, never a branch, and keeps secrets out of the text', () => {
    const uses = Object.values(jobs).flatMap((job) =>
      job.steps.flatMap((s) => (s.uses === undefined ? [] : [s.uses])),
    );
    expect(uses.length).toBeGreaterThan(5);
    for (const ref of uses)
      expect(ref, ref).toMatch(/^[\w.-]+\/[\w.-]+@(v\d+(\.\d+)*|\d+\.\d+\.\d+|[0-9a-f]{40})$/);
    // Secrets appear only as ${{ secrets.X }} expressions.
    expect(TEXT.replace(/\$\{\{\s*secrets\.[A-Z_]+\s*\}\}/g, '')).not.toMatch(/secrets\./);
    expect(TEXT).not.toMatch(/(password|token)\s*[:=]\s*['"]?[A-Za-z0-9_-]{8,}/i);
  });

  it('runs the integration suites against PostgreSQL and NATS JetStream', () => {
    const integration = jobs['integration']!;
    expect(integration.services?.postgres?.image).toMatch(/^postgres:\d+/);
    expect(runs('integration')).toMatch(/nats:[\d.]+ -js/);
    expect(runs('integration')).toContain('npm test');
    expect(TEXT).toContain('OPSLOOP_TEST_POSTGRES_URL: postgres://postgres@127.0.0.1:5432/test');
    expect(TEXT).toContain('OPSLOOP_TEST_NATS_URL: nats://127.0.0.1:4222');
  });

  it("builds, describes (CycloneDX), scans (Trivy, failing on high) and pushes every service's image", () => {
    expect([...jobs['images']!.strategy!.matrix.service!].sort()).toEqual(Object.keys(spec.services).sort());
    const images = steps('images');
    const sbom = images.find((s) => s.uses?.startsWith('anchore/sbom-action@'));
    expect(sbom?.with?.format).toBe('cyclonedx-json');
    const trivy = images.find((s) => s.uses?.startsWith('aquasecurity/trivy-action@'));
    expect(trivy?.with).toMatchObject({ 'exit-code': '1', severity: 'HIGH,CRITICAL' });
    const order = images.map((s) => s.name ?? s.uses ?? '');
    expect(order.indexOf('build')).toBeLessThan(order.indexOf('SBOM (CycloneDX)'));
    expect(order.indexOf('vulnerability scan (Trivy)')).toBeLessThan(order.indexOf('push'));
    expect(images.find((s) => s.name === 'push')?.if).toBe("github.event_name == 'push'");
  });

  it('deploys by GitOps commit, to staging first, then region by region with a revert when a canary fails', () => {
    expect(jobs['deploy-staging']!.if).toBe("github.event_name == 'push'");
    expect(runs('deploy-staging')).toMatch(
      /environments\.staging\.imageTag[\s\S]*render kustomize[\s\S]*git push/,
    );
    const regions = Object.keys(spec.environments).filter((e) => e.startsWith('prod-'));
    expect([...jobs['canary-production']!.strategy!.matrix.environment!].sort()).toEqual(regions.sort());
    expect(jobs['canary-production']!.strategy!['max-parallel']).toBe(1);
    expect(runs('canary-production')).toContain('kubectl argo rollouts status');
    const rollback = steps('canary-production').find((s) => s.name?.startsWith('roll back'));
    expect(rollback?.if).toContain('failure()');
    expect(rollback?.run).toContain('git revert');
    // The smoke step reads the spec's smoke checks: there must be some.
    expect(spec.pipeline.smoke.length).toBeGreaterThan(0);
    expect(runs('smoke-e2e-staging')).toContain('.pipeline.smoke[].path');
  });
});
