import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, expectOneLineError, runBuiltCli } from './testing/built-cli.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_SPEC = resolve(HERE, '../../../opsloop.yaml');

let dir: string;

beforeAll(async () => {
  assertCliBuilt();
  dir = await mkdtemp(join(tmpdir(), 'opsloop-cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the built CLI in the temp directory; fails if it does not finish within 15 s. */
const cli = (...args: string[]) => runBuiltCli(dir, 15_000, args);

describe('opsloop --help', () => {
  it('lists the commands', () => {
    const { code, stdout } = cli('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: opsloop');
    for (const command of ['up', 'status', 'down', 'validate', 'dashboard', 'incidents', 'chaos'])
      expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  it.each([
    ['up', ['--file', '--state-dir', '--no-logs', '--raw-logs', '--timeout', '--load']],
    ['status', ['--file', '--state-dir', '--output']],
    ['down', ['--file', '--state-dir', '--timeout']],
    ['validate', ['--file']],
    ['dashboard', ['--file', '--state-dir', '--role', '--ttl']],
  ])('%s --help exits 0 and documents its options', (command, options) => {
    const { code, stdout, stderr } = cli(command, '--help');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain(`Usage: opsloop ${command}`);
    for (const option of options) expect(stdout).toContain(option);
  });

  it('prints the version', () => {
    const { code, stdout } = cli('--version');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('0.1.0');
  });
});

describe('opsloop validate', () => {
  it('accepts a copy of the repository spec', async () => {
    const file = join(dir, 'good.yaml');
    await copyFile(REPO_SPEC, file);
    const { code, stdout, stderr } = cli('validate', '-f', file);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(
      `${file}: valid (shop: catalog×2, inventory×1, payments×1, orders×1, users×1, cart×1, checkout×1, notifications×1, gateway×1)\n`,
    );
  });

  it('finds opsloop.yaml in the working directory by default', async () => {
    const sub = join(dir, 'default');
    await mkdir(sub);
    await copyFile(REPO_SPEC, join(sub, 'opsloop.yaml'));
    const result = runBuiltCli(sub, 15_000, ['validate']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('opsloop.yaml: valid');
  });

  it('reports an invalid spec on one stderr line naming the path, exit 1', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      'apiVersion: opsloop.dev/v1alpha1\nkind: System\nmetadata: { name: shop }\nservices:\n' +
        '  catalog:\n    command: [node, main.js]\n    replicas: -1\n    replica: 2\n',
    );
    const result = cli('validate', '-f', file);
    const line = expectOneLineError(result);
    expect(line).toContain(`${file}: `);
    expect(line).toContain('services.catalog.replicas: expected integer ≥ 0');
    expect(line).toContain('services.catalog: unknown field(s): replica');
    expect(result.stdout).toBe('');
  });

  it('reports invalid YAML with its line number', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'apiVersion: opsloop.dev/v1alpha1\nkind: [System\nmetadata: x\n');
    expect(expectOneLineError(cli('validate', '-f', file))).toMatch(/line \d+, column \d+/);
  });

  it('says "file not found" for a missing file', () => {
    expect(expectOneLineError(cli('validate', '-f', '/nonexistent.yaml'))).toBe(
      'opsloop: /nonexistent.yaml: file not found',
    );
  });
});

describe('opsloop status and down without a runtime', () => {
  it('status in an empty state directory: "no runtime is running", exit 1', async () => {
    const stateDir = await mkdtemp(join(dir, 'state-'));
    const line = expectOneLineError(cli('status', '--state-dir', stateDir));
    expect(line).toContain('no runtime is running');
    expect(line).toContain(stateDir);
  });

  it('down in an empty state directory: "no runtime is running", exit 1', async () => {
    const stateDir = await mkdtemp(join(dir, 'state-'));
    expect(expectOneLineError(cli('down', '--state-dir', stateDir))).toContain('no runtime is running');
  });

  it('looks for the state next to the spec by default', async () => {
    const specDir = await mkdtemp(join(dir, 'spec-'));
    const line = expectOneLineError(cli('status', '-f', join(specDir, 'opsloop.yaml')));
    expect(line).toContain(join(specDir, '.opsloop'));
  });

  it('status with a state file of a dead runtime says it is not running any more', async () => {
    const stateDir = await mkdtemp(join(dir, 'stale-'));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(
      join(stateDir, 'runtime.json'),
      JSON.stringify({
        pid: dead,
        system: 'shop',
        specPath: '/x/opsloop.yaml',
        startedAt: new Date().toISOString(),
        controlUrl: 'http://127.0.0.1:1',
        token: 't'.repeat(43),
        endpoints: {},
      }),
    );
    expect(expectOneLineError(cli('status', '--state-dir', stateDir))).toContain(
      `(pid ${dead}) is not running any more`,
    );
  });

  it('status with a corrupt state file says it is unreadable', async () => {
    const stateDir = await mkdtemp(join(dir, 'corrupt-'));
    await writeFile(join(stateDir, 'runtime.json'), '{ not json');
    expect(expectOneLineError(cli('status', '--state-dir', stateDir))).toContain('unreadable');
  });
});

describe('opsloop usage errors', () => {
  it('rejects an unknown command with a non-zero exit', () => {
    const { code, stderr } = cli('frobnicate');
    expect(code).not.toBe(0);
    expect(stderr).toContain("unknown command 'frobnicate'");
  });

  it('rejects a bad --timeout', () => {
    const { code, stderr } = cli('up', '--timeout', '0');
    expect(code).not.toBe(0);
    expect(stderr).toContain('expected a whole number of seconds > 0');
  });

  it.each(['abc', '0', '-1', '5000'])('rejects --load %s', (rate) => {
    const { code, stderr } = cli('up', `--load=${rate}`);
    expect(code).not.toBe(0);
    expect(stderr).toContain('expected journeys per second');
  });

  it('rejects an unknown --output format', async () => {
    const stateDir = await mkdtemp(join(dir, 'state-'));
    const { code, stderr } = cli('status', '--state-dir', stateDir, '-o', 'yaml');
    expect(code).not.toBe(0);
    expect(stderr).toContain('yaml');
  });
});

describe('the command tree', () => {
  it('builds without conflicting options, and every command and subcommand has a description and help', async () => {
    const { createProgram } = await import('./program.js');
    const program = createProgram(() => {});
    const seen: string[] = [];
    const walk = (command: Command, path: string) => {
      for (const sub of command.commands) {
        const name = `${path} ${sub.name()}`.trim();
        seen.push(name);
        expect(sub.description(), `${name} has no description`).not.toBe('');
        expect(sub.helpInformation()).toContain('Usage:');
        walk(sub, name);
      }
    };
    walk(program, '');
    expect(seen).toEqual(
      expect.arrayContaining([
        'up',
        'apply',
        'scale',
        'rollout undo',
        'flags set',
        'secrets set',
        'events',
        'logs',
      ]),
    );
    // `-f` is the spec file everywhere; following is `-F`.
    const short = (name: string) =>
      program.commands
        .find((c) => c.name() === name)!
        .options.map((o) => o.short)
        .filter(Boolean);
    for (const name of ['events', 'logs', 'apply', 'status']) expect(short(name)).toContain('-f');
  });
});
