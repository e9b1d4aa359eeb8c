/**
 * `opsloop pipeline run` end to end on a tiny project: real commands, a real release directory, and two
 * real local environments (`opsloop up` runtimes): a clean tree passes every stage (the first release starts
 * production, the second reaches it by canary), and a commit that breaks the service under traffic fails
 * the canary, which is rolled back: production keeps serving the last good release.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStateFile } from '@opsloop/runtime';
import { assertCliBuilt, BUILT_CLI } from '../src/testing/built-cli.js';
import { writeFixture } from './pipeline-fixture.js';

let dir: string;

function cli(
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUILT_CLI, ...args], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`opsloop ${args.join(' ')} still running after ${timeoutMs} ms:\n${stdout}\n${stderr}`),
      );
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const stageLine = (stdout: string, stage: string) =>
  stdout.split('\n').find((l) => new RegExp(`^. ${stage}\\s`).test(l)) ?? `(no ${stage} line)`;

async function productionStatus() {
  const state = await readStateFile(
    join(dir, '.opsloop', 'pipeline', 'environments', 'production', '.opsloop'),
  );
  if (state === undefined) throw new Error('production is not running');
  const response = await request(`${state.controlUrl}/v1/status`, {
    headers: { authorization: `Bearer ${state.token}` },
  });
  return (await response.body.json()) as {
    services: {
      name: string;
      exposed: string | null;
      revision?: string;
      replicas: { revision?: string; ready: boolean }[];
    }[];
  };
}

beforeAll(async () => {
  assertCliBuilt();
  dir = await mkdtemp(join(tmpdir(), 'opsloop-pipeline-'));
});

afterAll(async () => {
  if (dir === undefined) return;
  await cli(['pipeline', 'down', '--timeout', '30'], 60_000).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}, 90_000);

describe('opsloop pipeline run', () => {
  it('passes on a clean tree: the first release starts production, the next reaches it by canary', async () => {
    await writeFixture(dir, 'hello, v1');
    const first = await cli(['pipeline', 'run'], 300_000);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    for (const stage of ['lint', 'test', 'build', 'sbom', 'release', 'staging', 'smoke', 'canary'])
      expect(stageLine(first.stdout, stage), first.stdout).toMatch(/\bpassed\b/);
    // A project without dependencies: npm needs no advisory database to say so.
    expect(stageLine(first.stdout, 'audit')).toMatch(/passed.*no known vulnerability/);
    expect(stageLine(first.stdout, 'canary')).toContain('first release');
    expect(first.stdout).toMatch(/^pipeline passed in /m);
    const sbom = JSON.parse(await readFile(join(dir, '.opsloop', 'pipeline', 'sbom.cdx.json'), 'utf8')) as {
      bomFormat: string;
    };
    expect(sbom.bomFormat).toBe('CycloneDX');

    await writeFixture(dir, 'hello, v2');
    const second = await cli(['pipeline', 'run', '--skip', 'sbom,audit'], 400_000);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(stageLine(second.stdout, 'canary'), second.stdout).toMatch(/passed.*promoted/);
    const status = await productionStatus();
    const web = status.services.find((s) => s.name === 'web')!;
    const answer = await request(`${web.exposed}/hello`);
    expect(await answer.body.json()).toEqual({ greeting: 'hello, v2' });
  }, 720_000);

  it('fails on a commit that breaks the service under traffic, and rolls the canary back', async () => {
    const before = (await productionStatus()).services.find((s) => s.name === 'web')!;
    const goodSpec = await readFile(
      join(dir, '.opsloop', 'pipeline', 'environments', 'production', 'opsloop.yaml'),
      'utf8',
    );
    await writeFixture(dir, 'hello, v3', true);
    const run = await cli(['pipeline', 'run', '--skip', 'sbom,audit'], 400_000);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    // Smoke checks passed on staging: only the canary's traffic found the fault.
    expect(stageLine(run.stdout, 'smoke'), run.stdout).toMatch(/passed/);
    expect(stageLine(run.stdout, 'canary'), run.stdout).toMatch(/failed.*rolled back/);
    expect(run.stdout).toMatch(/^pipeline failed at canary/m);

    const after = (await productionStatus()).services.find((s) => s.name === 'web')!;
    expect(after.revision).toBe(before.revision);
    expect(after.replicas.every((r) => r.revision === before.revision && r.ready)).toBe(true);
    const answers = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const response = await request(`${after.exposed}/hello`);
        return { status: response.statusCode, body: await response.body.json() };
      }),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers[0]!.body).toEqual({ greeting: 'hello, v2' });
    // The environment's spec is the last good one again: a restart of production runs v2.
    expect(
      await readFile(join(dir, '.opsloop', 'pipeline', 'environments', 'production', 'opsloop.yaml'), 'utf8'),
    ).toBe(goodSpec);
  }, 600_000);
});
