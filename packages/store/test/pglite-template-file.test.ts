import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createDatabaseFromConfig,
  loadOrCreatePgliteTemplateFile,
  PGLITE_TEMPLATE_FILE,
} from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'opsloop-template-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the shared PGlite template file', () => {
  it('is made once when several callers race for it, and every caller gets it', async () => {
    const path = join(root, 'race', PGLITE_TEMPLATE_FILE);
    const [a, b, c] = await Promise.all([
      loadOrCreatePgliteTemplateFile(path),
      loadOrCreatePgliteTemplateFile(path),
      loadOrCreatePgliteTemplateFile(path),
    ]);
    expect(a.archive.size).toBeGreaterThan(1000);
    expect(b.archive.size).toBe(a.archive.size);
    expect(c.archive.size).toBe(a.archive.size);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('replaces a stale lock left by a dead process', async () => {
    const path = join(root, 'stale', PGLITE_TEMPLATE_FILE);
    mkdirSync(join(root, 'stale'), { recursive: true });
    writeFileSync(`${path}.lock`, '2147483646\n'); // no such pid
    const template = await loadOrCreatePgliteTemplateFile(path);
    expect(template.archive.size).toBeGreaterThan(1000);
  });

  it('starts every new service database under DATA_DIR from it', async () => {
    const dataDir = join(root, 'data');
    const first = await createDatabaseFromConfig({ service: 'alpha', DATA_DIR: dataDir });
    const made = statSync(join(dataDir, PGLITE_TEMPLATE_FILE)).mtimeMs;
    const second = await createDatabaseFromConfig({ service: 'beta', DATA_DIR: dataDir });
    try {
      for (const db of [first, second]) {
        const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db.db);
        expect(rows[0]?.one).toBe(1);
      }
      expect(statSync(join(dataDir, PGLITE_TEMPLATE_FILE)).mtimeMs).toBe(made);
      expect(existsSync(join(dataDir, 'alpha', 'PG_VERSION'))).toBe(true);
      expect(existsSync(join(dataDir, 'beta', 'PG_VERSION'))).toBe(true);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
