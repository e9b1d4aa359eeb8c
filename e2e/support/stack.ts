import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

/** The repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The built CLI. */
export const cliPath = join(repoRoot, 'packages/cli/dist/main.js');

/** A running `opsloop up` on a temporary copy of the spec. */
export interface Stack {
  dir: string;
  specPath: string;
  process: ChildProcess;
  output: () => string;
  gateway: string;
  control: string;
  /**
   * Runs an `opsloop` subcommand against this stack. Asynchronous on purpose: a synchronous spawn would stop
   * this process from reading the runtime's output pipe, and the runtime would block writing to it.
   */
  cli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }>;
  /** Stops the stack (SIGTERM) and waits for the `up` process to exit; returns its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Polls `check` every 50 ms until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `timed out waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`,
  );
}

/** True if a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The parts of opsloop.yaml a test may edit before the stack starts. */
export interface EditableSpec {
  services: Record<
    string,
    { cwd?: string; replicas?: number; expose?: { port: number }; [key: string]: unknown }
  >;
  [key: string]: unknown;
}

/**
 * Trims the spec to `names` (and their dependsOn lists and the environments' per-service settings to what is
 * left): for tests that need only a part.
 */
export function keepOnly(spec: EditableSpec, names: readonly string[]): void {
  for (const name of Object.keys(spec.services)) {
    if (!names.includes(name)) delete spec.services[name];
  }
  for (const service of Object.values(spec.services)) {
    if (Array.isArray(service.dependsOn)) {
      service.dependsOn = (service.dependsOn as string[]).filter((d) => names.includes(d));
    }
  }
  // Environments may name only services the spec has: drop what they say of the others.
  const environments = (spec.environments ?? {}) as Record<string, Record<string, unknown>>;
  for (const environment of Object.values(environments)) {
    for (const field of ['replicas', 'resources']) {
      const perService = environment[field] as Record<string, unknown> | undefined;
      if (perService === undefined) continue;
      for (const name of Object.keys(perService)) if (!names.includes(name)) delete perService[name];
    }
  }
  // The pipeline's smoke checks may name only services the spec has.
  const pipeline = spec.pipeline as { smoke?: { service: string }[] } | undefined;
  if (pipeline?.smoke !== undefined) pipeline.smoke = pipeline.smoke.filter((c) => names.includes(c.service));
}

/**
 * Copies opsloop.yaml to a temp dir (commands resolved against the repo, the exposed gateway on any free
 * port), starts `opsloop up` on it and waits for the endpoint lines.
 */
export async function startStack(edit?: (spec: EditableSpec) => void): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'opsloop-e2e-'));
  const spec = parse(readFileSync(join(repoRoot, 'opsloop.yaml'), 'utf8')) as EditableSpec;
  for (const service of Object.values(spec.services)) {
    service.cwd = repoRoot;
    if (service.expose) service.expose.port = 0;
    // Each stack gets its own databases: stacks run in parallel and an embedded database has one writer.
    const env = service.env as Record<string, unknown> | undefined;
    if (env?.DATA_DIR !== undefined) env.DATA_DIR = join(dir, 'data');
    // Its backups name the repository's data directories (relative to cwd), not this stack's.
    delete service.backup;
  }
  edit?.(spec);
  const specPath = join(dir, 'opsloop.yaml');
  writeFileSync(specPath, stringify(spec));
  let out = '';
  const child = spawn(process.execPath, [cliPath, 'up', '-f', specPath, '--raw-logs'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let urls: { gateway: string; control: string };
  try {
    urls = await waitFor(
      'opsloop up to print its endpoints',
      () => {
        if (child.exitCode !== null) throw new Error(`opsloop up exited ${child.exitCode}:\n${out}`);
        const gateway = /^gateway: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)?.[1];
        const control = /^control: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)?.[1];
        return gateway && control && /is ready in/.test(out) ? { gateway, control } : undefined;
      },
      // A cold start creates every service's database: generous on a busy 2-core machine.
      180_000,
    );
  } catch (error) {
    // Never leave a half-started stack behind: the runtime stops its replicas on SIGTERM.
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    specPath,
    process: child,
    output: () => out,
    ...urls,
    cli: (...args) =>
      new Promise((resolve) => {
        execFile(
          process.execPath,
          [cliPath, ...args, '-f', specPath],
          { encoding: 'utf8', timeout: 30_000 },
          (error, stdout, stderr) => {
            const status = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
            resolve({ status, stdout, stderr });
          },
        );
      }),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      const code = await exited;
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Replica pids of the stack, from `opsloop status -o json`. */
export async function replicaPids(stack: Stack): Promise<Map<string, number>> {
  const result = await stack.cli('status', '-o', 'json');
  if (result.status !== 0) throw new Error(`opsloop status failed: ${result.stderr}`);
  const status = JSON.parse(result.stdout) as {
    services: { replicas: { name: string; pid: number | null }[] }[];
  };
  const pids = new Map<string, number>();
  for (const s of status.services) for (const r of s.replicas) if (r.pid !== null) pids.set(r.name, r.pid);
  return pids;
}
