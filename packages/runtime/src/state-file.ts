import { mkdir, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/** What a running runtime tells local clients (the CLI): where its control API is and an admin token. */
export const runtimeStateSchema = z.object({
  pid: z.number().int(),
  system: z.string(),
  specPath: z.string(),
  startedAt: z.string(),
  controlUrl: z.string().url(),
  token: z.string(),
  endpoints: z.record(z.string(), z.string()),
});

/** Contents of the state file. */
export type RuntimeState = z.infer<typeof runtimeStateSchema>;

/** The state file's path in a state directory. */
export function stateFilePath(stateDir: string): string {
  return join(stateDir, 'runtime.json');
}

/** Writes the state file atomically, readable by the owner only (it holds an admin token). */
export async function writeStateFile(stateDir: string, state: RuntimeState): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const path = stateFilePath(stateDir);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, path);
}

/** Reads the state file; undefined if there is none, an error if it is unreadable. */
export async function readStateFile(stateDir: string): Promise<RuntimeState | undefined> {
  let text: string;
  try {
    text = await readFile(stateFilePath(stateDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return runtimeStateSchema.parse(JSON.parse(text));
}

/** Removes the state file if it still belongs to `pid`. */
export async function removeStateFile(stateDir: string, pid: number): Promise<void> {
  const state = await readStateFile(stateDir).catch(() => undefined);
  if (state === undefined || state.pid === pid) await rm(stateFilePath(stateDir), { force: true });
}

/** True if a process with this pid exists (the kit's; re-exported for the CLI). */
export { isProcessAlive } from '@opsloop/kit';
