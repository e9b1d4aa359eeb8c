import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, expectOneLineError, runBuiltCli } from '../testing/built-cli.js';
import { skippedStages } from './pipeline.js';

describe('skippedStages', () => {
  it('takes comma-separated and repeated names', () => {
    expect([...skippedStages(['lint,test', 'audit'])]).toEqual(['lint', 'test', 'audit']);
    expect(skippedStages([]).size).toBe(0);
  });

  it('refuses an unknown stage, and a skip that leaves a stage without what it needs', () => {
    expect(() => skippedStages(['lnit'])).toThrow(/unknown stage "lnit" \(stages: lint, test/);
    expect(() => skippedStages(['release'])).toThrow(
      'staging needs release: skip staging too, or keep release',
    );
    expect(() => skippedStages(['staging'])).toThrow('smoke needs staging');
    expect([...skippedStages(['release,staging,smoke,canary'])]).toHaveLength(4);
  });
});

describe('opsloop pipeline', () => {
  let dir: string;
  beforeAll(async () => {
    assertCliBuilt();
    dir = await mkdtemp(join(tmpdir(), 'opsloop-pipeline-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('says in one line that a spec has no pipeline section', async () => {
    await writeFile(
      join(dir, 'opsloop.yaml'),
      'apiVersion: opsloop.dev/v1alpha1\nkind: System\nmetadata: { name: x }\nservices:\n  web: { command: [node, web.js] }\n',
    );
    expect(expectOneLineError(runBuiltCli(dir, 15_000, ['pipeline', 'run']))).toContain(
      'has no pipeline section',
    );
    expect(expectOneLineError(runBuiltCli(dir, 15_000, ['pipeline', 'run', '--skip', 'deploy']))).toContain(
      'unknown stage "deploy"',
    );
  });

  it('refuses a pipeline naming an environment the spec does not have', async () => {
    await writeFile(
      join(dir, 'opsloop.yaml'),
      'apiVersion: opsloop.dev/v1alpha1\nkind: System\nmetadata: { name: x }\nservices:\n  web: { command: [node, web.js] }\nenvironments:\n  staging: {}\npipeline:\n  production: prod\n  smoke: [{ service: web, path: /x }]\n',
    );
    const line = expectOneLineError(runBuiltCli(dir, 15_000, ['pipeline', 'run']));
    expect(line).toContain('pipeline.production: unknown environment "prod" (environments: staging)');
    expect(line).toContain('web is not exposed');
  });
});
