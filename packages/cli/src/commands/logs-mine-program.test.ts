// `opsloop logs <service>` and `opsloop logs mine` through the real command tree (createProgram): both paths.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createProgram } from '../program.js';
import type * as LogsModule from './logs.js';

// The service path would call the runtime: record its options instead.
const logsCalls = vi.hoisted(() => [] as unknown[]);
vi.mock('./logs.js', async (importOriginal) => ({
  ...(await importOriginal<typeof LogsModule>()),
  logs: (options: unknown) => {
    logsCalls.push(options);
    return Promise.resolve(0);
  },
}));

/** Parses a command line with the real program; returns the promise handed to `run` (the command's work). */
async function parse(...args: string[]): Promise<{ work: Promise<number> }> {
  let work: Promise<number> | undefined;
  const program = createProgram((w) => {
    work = w;
  });
  // Usage errors throw instead of exiting, quietly.
  const quiet = (command: Command) => {
    command.exitOverride().configureOutput({ writeErr: () => {} });
    command.commands.forEach(quiet);
  };
  quiet(program);
  await program.parseAsync(args, { from: 'user' });
  if (work === undefined) throw new Error(`no command ran for ${args.join(' ')}`);
  // Wrapped: an async function would otherwise adopt the promise and throw its error here.
  return { work };
}

function logsCommand(): Command {
  return createProgram(() => {}).commands.find((c) => c.name() === 'logs')!;
}

describe('opsloop logs <service> and opsloop logs mine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsloop-logs-mine-program-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    logsCalls.length = 0;
  });

  it('still shows a service: `logs <service>` with its options', async () => {
    expect(await (await parse('logs', 'orders', '--tail', '5', '--level', 'error')).work).toBe(0);
    expect(logsCalls).toEqual([
      { file: 'opsloop.yaml', service: 'orders', follow: false, tail: 5, level: 'error' },
    ]);
    await (
      await parse('logs', '-F', 'gateway')
    ).work;
    expect(logsCalls[1]).toMatchObject({ service: 'gateway', follow: true, tail: 50 });
  });

  it('mines a file with `logs mine`, options after the subcommand', async () => {
    const input = join(dir, 'app.log');
    const output = join(dir, 'app.csv');
    writeFileSync(input, 'user alice logged in\nuser bob logged in\nuser carol logged in\n');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const { work } = await parse('logs', 'mine', '-i', input, '-o', output, '--mask', 'x+', '--top', '1');
      expect(await work).toBe(0);
      expect(write.mock.calls.map((c) => String(c[0])).join('')).toContain(`${input}: 3 lines, 1 templates`);
    } finally {
      write.mockRestore();
    }
    expect(logsCalls).toEqual([]);
    const rows = readFileSync(output, 'utf8').trimEnd().split('\n');
    expect(rows[0]).toBe('LineId,EventId,EventTemplate,Parameters');
    expect(rows.slice(1).map((r) => r.split(',')[2])).toEqual(Array(3).fill('user <*> logged in'));
  });

  it('refuses options of `logs <service>` given to `logs mine`, and checks --top', async () => {
    await expect((await parse('logs', 'mine', '--tail', '5')).work).rejects.toThrow(
      '--tail: an option of "logs <service>", not of "logs mine"',
    );
    await expect(parse('logs', 'mine', '--top', 'many')).rejects.toThrow(/expected a count/);
    await expect(parse('logs', 'mine', '--nope')).rejects.toThrow(/unknown option '--nope'/);
    await expect(parse('logs', 'mine', '--unmatched', 'drop')).rejects.toThrow(
      /Allowed choices are error, whole, skip/,
    );
    expect(logsCalls).toEqual([]);
  });

  it('documents mine, its options, and that a service named mine is shadowed', () => {
    const logs = logsCommand();
    const help = logs.helpInformation();
    expect(help).toMatch(/^\s+mine\b/m);
    expect(help).toMatch(/ones named "mine" or "templates"\s+cannot be shown/);
    const mine = logs.commands.find((c) => c.name() === 'mine')!;
    for (const option of ['--format', '--mask', '--json', '--input', '--output', '--unmatched', '--top'])
      expect(mine.helpInformation()).toContain(option);
  });

  it('routes `logs templates <service>` with the state directory given anywhere, refusing service options', async () => {
    const stateDir = join(dir, 'no-runtime-here');
    await expect((await parse('logs', 'templates', 'orders', '--state-dir', stateDir)).work).rejects.toThrow(
      `no runtime is running from ${stateDir}`,
    );
    await expect((await parse('logs', 'templates', 'orders', '--follow')).work).rejects.toThrow(
      '--follow: an option of "logs <service>", not of "logs templates"',
    );
    await expect(parse('logs', 'templates', 'orders', '--limit', '0')).rejects.toThrow(/expected a count/);
    expect(logsCalls).toEqual([]);
  });
});
