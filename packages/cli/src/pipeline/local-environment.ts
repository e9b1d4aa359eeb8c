import { spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { systemStatusSchema, type SystemStatus } from '@opsloop/contracts';
import { isProcessAlive, readStateFile, type RuntimeState, type ServiceChange } from '@opsloop/runtime';
import { callControlApi } from '../control-client.js';

/** Where a local environment keeps its spec, its runtime's state and its services' data. */
export interface LocalEnvironment {
  name: string;
  dir: string;
  specFile: string;
  stateDir: string;
  logFile: string;
}

export function localEnvironment(pipelineDir: string, name: string): LocalEnvironment {
  const dir = join(pipelineDir, 'environments', name);
  return {
    name,
    dir,
    specFile: join(dir, 'opsloop.yaml'),
    stateDir: join(dir, '.opsloop'),
    logFile: join(dir, 'runtime.log'),
  };
}

/** The runtime running the environment, if there is one. */
export async function runningRuntime(environment: LocalEnvironment): Promise<RuntimeState | undefined> {
  const state = await readStateFile(environment.stateDir).catch(() => undefined);
  return state !== undefined && isProcessAlive(state.pid) ? state : undefined;
}

/**
 * Starts the environment's runtime (`opsloop up` on its spec file, detached, its output in runtime.log) and
 * waits for its control API. Throws with the log's tail when it exits or does not answer in time.
 */
export async function startRuntime(
  environment: LocalEnvironment,
  opsloop: readonly string[],
  timeoutMs: number,
): Promise<RuntimeState> {
  const log = await open(environment.logFile, 'a');
  let exited: string | undefined;
  try {
    const child = spawn(
      opsloop[0]!,
      [
        ...opsloop.slice(1),
        'up',
        '--file',
        environment.specFile,
        '--state-dir',
        environment.stateDir,
        '--no-logs',
        '--timeout',
        String(Math.ceil(timeoutMs / 1000)),
      ],
      { cwd: environment.dir, detached: true, stdio: ['ignore', log.fd, log.fd] },
    );
    child.on('exit', (code, signal) => {
      exited = code === null ? `ended by ${signal}` : `exit code ${code}`;
    });
    child.unref();
  } finally {
    await log.close();
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== undefined)
      throw new Error(`the ${environment.name} runtime stopped (${exited}): ${await logTail(environment)}`);
    const state = await runningRuntime(environment);
    if (state !== undefined) return state;
    await sleep(250);
  }
  throw new Error(
    `the ${environment.name} runtime did not start in ${Math.round(timeoutMs / 1000)} s: ${await logTail(environment)}`,
  );
}

/** The last lines of the environment runtime's log, on one line. */
export async function logTail(environment: LocalEnvironment, lines = 5): Promise<string> {
  const text = await readFile(environment.logFile, 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-lines).join(' | ') || 'no output';
}

const applyAnswer = z.object({ changes: z.array(z.record(z.string(), z.unknown())) });

/** Sends a spec to the environment's runtime; what it changes. */
export async function applySpec(state: RuntimeState, text: string, file: string): Promise<ServiceChange[]> {
  const answer = applyAnswer.parse(
    await callControlApi(state, 'POST', '/v1/apply', 60_000, { spec: text, file }),
  );
  return answer.changes as unknown as ServiceChange[];
}

export async function systemStatus(state: RuntimeState): Promise<SystemStatus> {
  return systemStatusSchema.parse(await callControlApi(state, 'GET', '/v1/status'));
}

/** Services not yet settled: fewer ready replicas than desired, or replicas left on another revision. */
export function unsettled(status: SystemStatus): string[] {
  return status.services
    .filter(
      (s) =>
        s.readyReplicas < s.desiredReplicas ||
        s.replicas.length !== s.desiredReplicas ||
        (s.revision !== undefined &&
          s.replicas.some((r) => r.revision !== undefined && r.revision !== s.revision)),
    )
    .map((s) => `${s.name} ${s.readyReplicas}/${s.desiredReplicas} ready`);
}

/** Waits until every service has its desired replicas ready on its desired revision. */
export async function waitSettled(state: RuntimeState, timeoutMs: number): Promise<SystemStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await systemStatus(state);
    const waiting = unsettled(status);
    if (waiting.length === 0) return status;
    if (Date.now() > deadline)
      throw new Error(`not settled after ${Math.round(timeoutMs / 1000)} s: ${waiting.join(', ')}`);
    await sleep(500);
  }
}

/** Asks the environment's runtime to stop and waits for it to go. */
export async function stopRuntime(state: RuntimeState, timeoutMs: number): Promise<void> {
  await callControlApi(state, 'POST', '/v1/shutdown');
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(state.pid)) {
    if (Date.now() > deadline) throw new Error(`the runtime (pid ${state.pid}) is still stopping`);
    await sleep(100);
  }
}
