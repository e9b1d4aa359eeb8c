import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDatabaseFromConfig,
  createPgliteDatabase,
  createPgliteTemplate,
  PGLITE_MEMORY,
  type Database,
  type Migration,
  type PgliteTemplate,
} from '../src/index.js';
import { describeDatabaseContract } from './contract.js';

const notes: Record<string, Migration> = {
  '0001_notes': {
    async up(db) {
      await sql`create table note (id serial primary key, body text not null)`.execute(db);
    },
  },
};

interface NoteTables {
  note: { id: number; body: string };
}

describe('PGlite adapter', () => {
  // Fresh PGlite runs initdb in WebAssembly (~4 s): do it once and clone the data directory (~0.6 s).
  let template: PgliteTemplate;
  const tempDirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsloop-store-'));
    tempDirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    template = await createPgliteTemplate();
  });

  afterAll(() => {
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });

  describeDatabaseContract('pglite', (schema) =>
    createPgliteDatabase({ dataDir: PGLITE_MEMORY, schema, template }),
  );

  it('keeps its data across close and reopen, locking the data directory while open', async () => {
    const dataDir = join(tempDir(), 'cart');
    const first = await createPgliteDatabase<NoteTables>({ dataDir, schema: 'cart', template });
    try {
      expect(await first.migrate(notes)).toEqual({ applied: ['0001_notes'] });
      await first.db.insertInto('note').values({ id: 1, body: 'kept' }).execute();
      // Two PGlite instances on one directory would corrupt it: the second one is refused.
      await expect(createPgliteDatabase({ dataDir, schema: 'cart', template })).rejects.toThrow(
        /in use by process \d+ \(this one\)/,
      );
    } finally {
      await first.close();
    }
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    expect(existsSync(`${dataDir}.lock`)).toBe(false);

    // A lock left by a process that died (SIGKILL) is taken over.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    expect(dead).toBeGreaterThan(0);
    writeFileSync(`${dataDir}.lock`, `${dead}\n`);

    // Existing data wins over the template.
    const second = await createPgliteDatabase<NoteTables>({ dataDir, schema: 'cart', template });
    try {
      expect(await second.migrate(notes)).toEqual({ applied: [] });
      expect(await second.db.selectFrom('note').select('body').execute()).toEqual([{ body: 'kept' }]);
    } finally {
      await second.close();
    }
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });

  it('createDatabaseFromConfig picks PGlite in <DATA_DIR>/<service> without DATABASE_URL', async () => {
    const root = tempDir();
    let database: Database<unknown> | undefined;
    try {
      database = await createDatabaseFromConfig({
        DATA_DIR: root,
        service: 'order-history',
        pgliteTemplate: template,
      });
      expect(database.kind).toBe('pglite');
      expect(database.schema).toBe('order_history');
      const current = await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db);
      expect(current.rows).toEqual([{ schema: 'order_history' }]);
      expect(existsSync(join(root, 'order-history', 'PG_VERSION'))).toBe(true);
    } finally {
      await database?.close();
    }
  });

  it('rejects an invalid schema before opening anything', async () => {
    const dataDir = join(tempDir(), 'never');
    await expect(createPgliteDatabase({ dataDir, schema: 'Bad-Name', template })).rejects.toThrow(
      /invalid schema name/,
    );
    expect(existsSync(dataDir)).toBe(false);
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });
});
