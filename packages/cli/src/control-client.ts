import { dirname, join, resolve } from 'node:path';
import { request } from 'undici';
import { isProcessAlive, readStateFile, type RuntimeState } from '@opsloop/runtime';
import { problemDocumentSchema } from '@opsloop/contracts';
import { CliError } from './cli-error.js';

/** Where to find a runtime: its state directory, from `--state-dir` or next to the spec file. */
export function stateDirFor(options: { file: string; stateDir?: string | undefined }): string {
  return options.stateDir !== undefined
    ? resolve(options.stateDir)
    : join(dirname(resolve(options.file)), '.opsloop');
}

/** Reads the state file of a live runtime, or explains why there is none. */
export async function findRuntime(stateDir: string): Promise<RuntimeState> {
  let state: RuntimeState | undefined;
  try {
    state = await readStateFile(stateDir);
  } catch {
    throw new CliError(`the state file in ${stateDir} is unreadable; remove it if no runtime is running`);
  }
  if (state === undefined)
    throw new CliError(`no runtime is running from ${stateDir} (start one with "opsloop up")`);
  if (!isProcessAlive(state.pid)) {
    throw new CliError(`the runtime recorded in ${stateDir} (pid ${state.pid}) is not running any more`);
  }
  return state;
}

/** Calls the control API with the admin token; problem+json answers become one-line errors. */
export async function callControlApi(
  state: RuntimeState,
  method: 'GET' | 'POST',
  path: string,
  timeoutMs = 10_000,
): Promise<unknown> {
  let response;
  try {
    response = await request(`${state.controlUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${state.token}`, accept: 'application/json' },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  } catch (error) {
    throw new CliError(
      `cannot reach the control API at ${state.controlUrl}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const text = await response.body.text();
  let body: unknown = undefined;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new CliError(`the control API answered ${response.statusCode} with a body that is not JSON`);
  }
  if (response.statusCode >= 400) {
    const problem = problemDocumentSchema.safeParse(body);
    throw new CliError(
      problem.success
        ? `control API: ${problem.data.title}${problem.data.detail ? `: ${problem.data.detail}` : ''}`
        : `control API answered ${response.statusCode}`,
    );
  }
  return body;
}
