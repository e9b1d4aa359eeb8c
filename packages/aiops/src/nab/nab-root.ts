import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The NAB corpus folder (holding data/, labels/, config/): `NAB_ROOT` when set, else `../shared/datasets/nab`
 * next to the repository, found from this module's place (src/nab or dist/nab are both four levels deep).
 */
export function resolveNabRoot(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['NAB_ROOT'];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
  return resolve(repoRoot, '../shared/datasets/nab');
}
