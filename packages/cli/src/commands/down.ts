import { isProcessAlive } from '@opsloop/runtime';
import { CliError } from '../cli-error.js';
import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';

/** Options of `opsloop down`. */
export interface DownOptions {
  file: string;
  stateDir?: string;
  timeout: number;
}

/** `opsloop down`: asks the running runtime to stop and waits until its process is gone. */
export async function down(options: DownOptions): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  await callControlApi(state, 'POST', '/v1/shutdown');
  const deadline = Date.now() + options.timeout * 1000;
  while (isProcessAlive(state.pid)) {
    if (Date.now() > deadline) {
      throw new CliError(`the runtime (pid ${state.pid}) is still stopping after ${options.timeout} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  process.stdout.write(`stopped ${state.system} (pid ${state.pid})\n`);
  return 0;
}
