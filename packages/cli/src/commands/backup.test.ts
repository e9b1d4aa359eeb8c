import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, expectOneLineError, runBuiltCli } from '../testing/built-cli.js';

let dir: string;
beforeAll(async () => {
  assertCliBuilt();
  dir = await mkdtemp(join(tmpdir(), 'opsloop-cli-backup-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => runBuiltCli(dir, 15_000, args);

describe('opsloop backup', () => {
  it('documents create, list and restore', () => {
    const { code, stdout } = cli('backup', 'restore', '--help');
    expect(code).toBe(0);
    for (const option of ['<id>', '--service', '--yes', '--file', '--state-dir'])
      expect(stdout).toContain(option);
  });

  it('refuses a restore without --yes, in one line, before looking for a runtime', () => {
    const line = expectOneLineError(cli('backup', 'restore', '20261207T190000Z', '--service', 'orders'));
    expect(line).toMatch(/replaces the live data of orders .*add --yes/);
  });

  it('says in one line that no runtime is running', () => {
    const line = expectOneLineError(cli('backup', 'list'));
    expect(line).toMatch(/no runtime is running/);
  });
});
