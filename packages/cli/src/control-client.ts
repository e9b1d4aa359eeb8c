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

/**
 * Calls the control API; problem+json answers become one-line errors. The token is `OPSLOOP_TOKEN` when set
 * (a viewer's or operator's token made with `opsloop token create`), else the run's admin token from the
 * state file (readable only by the user who started the runtime).
 */
export async function callControlApi(
  state: RuntimeState,
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH' | 'PUT',
  path: string,
  timeoutMs = 10_000,
  body?: unknown,
): Promise<unknown> {
  const token = process.env.OPSLOOP_TOKEN?.trim() || state.token;
  let response;
  try {
    response = await request(`${state.controlUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  } catch (error) {
    throw new CliError(
      `cannot reach the control API at ${state.controlUrl}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const text = await response.body.text();
  let answer: unknown = undefined;
  try {
    answer = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new CliError(`the control API answered ${response.statusCode} with a body that is not JSON`);
  }
  if (response.statusCode >= 400) {
    const problem = problemDocumentSchema.safeParse(answer);
    throw new CliError(
      problem.success
        ? `control API: ${problem.data.title}${problem.data.detail ? `: ${problem.data.detail}` : ''}`
        : `control API answered ${response.statusCode}`,
    );
  }
  return answer;
}
