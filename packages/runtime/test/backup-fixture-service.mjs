// Test support for backup-live.test.ts: a service on the kit that keeps numbered writes in an embedded
// PostgreSQL (PGlite) at $DATA_DIR/ledger, locked like the store locks it. POST /write {seq} inserts a row
// (committed before the answer); GET /rows lists them with their commit time.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { runService, tryPidLock } from '@opsloop/kit';

const parent = process.env.DATA_DIR ?? '.opsloop/data';
mkdirSync(parent, { recursive: true });
const dataDir = join(parent, 'ledger');
const lock = tryPidLock(`${dataDir}.lock`);
if ('holder' in lock) throw new Error(`${dataDir} is in use by process ${lock.holder}`);
const db = await PGlite.create({ dataDir });
await db.exec(
  'create table if not exists writes (seq integer primary key, at timestamptz not null default clock_timestamp())',
);

await runService({
  name: 'ledger',
  version: '1.0.0',
  setup({ app, onShutdown }) {
    app.post('/write', async (request) => {
      const { seq } = request.body;
      await db.query('insert into writes (seq) values ($1)', [seq]);
      return { seq };
    });
    app.get('/rows', async () => {
      const { rows } = await db.query(
        'select seq, extract(epoch from at) * 1000 as at from writes order by seq',
      );
      return { rows: rows.map((r) => ({ seq: r.seq, at: Number(r.at) })) };
    });
    onShutdown(async () => {
      await db.close();
      lock.release();
    });
  },
});
