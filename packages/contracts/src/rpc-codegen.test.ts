import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const contractsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const binDir = resolve(contractsDir, '../../node_modules/.bin');

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

function run(command: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: contractsDir,
      env: { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stderr }));
  });
}

describe('gRPC contracts', () => {
  let out: string | undefined;
  afterAll(async () => {
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  it('pass buf lint', async () => {
    const result = await run(join(binDir, 'buf'), ['lint']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('src/gen is what `npm run gen:proto` makes of proto/ (run it after editing a .proto)', async () => {
    out = await mkdtemp(join(tmpdir(), 'opsloop-proto-'));
    const result = await run(join(binDir, 'buf'), ['generate', '-o', out]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const generated = join(out, 'src/gen');
    const committed = join(contractsDir, 'src/gen');
    const files = await listFiles(generated);
    expect(await listFiles(committed)).toEqual(files);
    for (const file of files) {
      expect(await readFile(join(committed, file), 'utf8'), file).toBe(
        await readFile(join(generated, file), 'utf8'),
      );
    }
  });
});
