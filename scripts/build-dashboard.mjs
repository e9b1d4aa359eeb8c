#!/usr/bin/env node
// Builds the dashboard bundle (packages/dashboard/dist) that the control API serves: a type-check, then
// `vite build`. Skipped when the bundle is newer than every source, so `npm start` stays quick; `--force`
// builds anyway.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const dir = join(root, 'packages/dashboard');
const built = join(dir, 'dist/index.html');
const sources = ['src', 'index.html', 'vite.config.ts', 'package.json', 'tsconfig.json'];

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const force = process.argv.includes('--force');
if (!force && existsSync(built)) {
  const builtAt = statSync(built).mtimeMs;
  if (sources.every((s) => newest(join(dir, s)) <= builtAt)) process.exit(0);
}

const bin = (name) => join(root, 'node_modules/.bin', name);
for (const [command, args] of [
  [bin('tsc'), ['-p', 'tsconfig.json']],
  [bin('vite'), ['build', '--logLevel', 'warn']],
]) {
  const run = spawnSync(command, args, { cwd: dir, stdio: 'inherit' });
  if (run.status !== 0) {
    process.stderr.write(`dashboard: ${command.split('/').pop()} failed; the bundle was not built\n`);
    process.exit(run.status ?? 1);
  }
}
process.stdout.write('dashboard: built packages/dashboard/dist\n');
