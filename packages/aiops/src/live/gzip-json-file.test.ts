import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gzipJsonFile, StateFileError } from './gzip-json-file.js';

const isCounter = (v: unknown): v is { n: number } => typeof (v as { n?: unknown } | null)?.n === 'number';

describe('gzipJsonFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsloop-gzip-json-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the last of overlapping saves, as the state was at each call', async () => {
    const file = gzipJsonFile(join(dir, 'a', 'state.json.gz'), isCounter, 'counter');
    expect(await file.load()).toBeUndefined();
    const state = { n: 0 };
    const saves: Promise<void>[] = [];
    for (let i = 1; i <= 50; i++) {
      state.n = i;
      saves.push(file.save(state));
    }
    state.n = 999; // after the last call: must not be saved
    await Promise.all(saves);
    expect(await file.load()).toEqual({ n: 50 });
  });

  it('refuses a file that is not gzipped JSON of the expected shape', async () => {
    const path = join(dir, 'bad.json.gz');
    writeFileSync(path, 'not gzip');
    await expect(gzipJsonFile(path, isCounter, 'counter').load()).rejects.toThrow(StateFileError);
    const other = gzipJsonFile(join(dir, 'other.json.gz'), (_v): _v is { x: 1 } => false, 'thing');
    await gzipJsonFile(join(dir, 'other.json.gz'), isCounter, 'counter').save({ n: 1 });
    await expect(other.load()).rejects.toThrow('not a thing');
  });
});
