import { readFile, writeFile, mkdir } from 'node:fs/promises';
import type { RuntimeState, ServiceChange } from '@opsloop/runtime';
import type { SystemStatus } from '@opsloop/contracts';
import {
  applySpec,
  runningRuntime,
  startRuntime,
  waitSettled,
  type LocalEnvironment,
} from './local-environment.js';

/** An environment after a deployment: its runtime, what changed, and whether it was just started. */
export interface Deployment {
  state: RuntimeState;
  changes: ServiceChange[];
  started: boolean;
  /** The spec the environment ran before (to put back), if it ran one. */
  previous: string | undefined;
}

/**
 * Gives the environment `text` as its spec: starts its runtime on it when there is none (on the previous
 * spec first, if there was one, so a release always arrives as a change the strategy rolls out), else
 * applies it. Returns once the runtime has taken the spec (not once the rollout ends).
 */
export async function deploySpec(
  environment: LocalEnvironment,
  text: string,
  opsloop: readonly string[],
  timeoutMs: number,
): Promise<Deployment> {
  await mkdir(environment.dir, { recursive: true });
  const previous = await readFile(environment.specFile, 'utf8').catch(() => undefined);
  let state = await runningRuntime(environment);
  if (state === undefined) {
    if (previous === undefined) {
      await writeFile(environment.specFile, text);
      state = await startRuntime(environment, opsloop, timeoutMs);
      await waitSettled(state, timeoutMs);
      return { state, changes: [], started: true, previous };
    }
    state = await startRuntime(environment, opsloop, timeoutMs);
    await waitSettled(state, timeoutMs);
  }
  await writeFile(environment.specFile, text);
  const changes = await applySpec(state, text, environment.specFile);
  return { state, changes, started: false, previous };
}

/** Puts the environment's previous spec back (file and runtime) and waits for it to settle. */
export async function restoreSpec(
  environment: LocalEnvironment,
  deployment: Deployment,
  timeoutMs: number,
): Promise<SystemStatus | undefined> {
  if (deployment.previous === undefined) return undefined;
  await writeFile(environment.specFile, deployment.previous);
  await applySpec(deployment.state, deployment.previous, environment.specFile);
  return waitSettled(deployment.state, timeoutMs);
}

/** The services a deployment rolls out, each with its new revision. */
export function rolledOut(changes: readonly ServiceChange[]): { service: string; revision: string }[] {
  return changes.flatMap((c) =>
    'service' in c && c.action === 'update' && c.rollout !== undefined
      ? [{ service: c.service, revision: c.rollout.to }]
      : [],
  );
}
