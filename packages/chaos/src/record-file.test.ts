import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRecordFile } from './record-file.js';

describe('record file', () => {
  it('writes concurrent appends in call order, one JSON line each', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chaos-record-file-'));
    try {
      const file = join(dir, 'a', 'b.jsonl');
      const record = createRecordFile(file);
      // Lines of very different sizes: unserialised appendFile calls could finish out of order.
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => record.append({ i, pad: 'x'.repeat((50 - i) * 2000) })),
      );
      const lines = (await readFile(file, 'utf8')).trim().split('\n');
      expect(lines.map((line) => (JSON.parse(line) as { i: number }).i)).toEqual(
        Array.from({ length: 50 }, (_, i) => i),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects the append that failed and goes on with the next', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chaos-record-file-'));
    try {
      const bad = createRecordFile(dir);
      await expect(bad.append({ a: 1 })).rejects.toThrow();
      await expect(bad.append({ a: 2 })).rejects.toThrow();
      await bad.flush();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
