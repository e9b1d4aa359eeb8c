/** Test support: runs the built `opsloop` binary as a user would, and checks its one-line errors. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** The built CLI (run `npx tsc -b` first). */
export const BUILT_CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/main.js');

/** Throws when the CLI is not built. */
export function assertCliBuilt(): void {
  if (!existsSync(BUILT_CLI))
    throw new Error(`${BUILT_CLI} is missing: build with "npx tsc -b" before running these tests`);
}

/** What a run of the CLI printed and returned. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  stderrLines: string[];
}

/** Runs the built CLI in `cwd`; fails if it does not finish within `timeoutMs`. */
export function runBuiltCli(cwd: string, timeoutMs: number, args: readonly string[]): CliRun {
  const result = spawnSync(process.execPath, [BUILT_CLI, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  if (result.error) throw result.error;
  expect(result.signal, `opsloop ${args.join(' ')} was killed (timeout?)`).toBeNull();
  const stderrLines = result.stderr === '' ? [] : result.stderr.replace(/\n$/, '').split('\n');
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, stderrLines };
}

/** Asserts a one-line `opsloop: …` error with exit code 1 and no stack trace; returns the line. */
export function expectOneLineError(result: CliRun): string {
  expect(result.code).toBe(1);
  expect(result.stderrLines).toHaveLength(1);
  expect(result.stderr).not.toContain('    at ');
  const line = result.stderrLines[0]!;
  expect(line.startsWith('opsloop: ')).toBe(true);
  return line;
}
