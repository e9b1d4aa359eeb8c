// Test support for the backup contract: a process that holds a PGlite data directory (argv[2]) and writes
// numbered rows on request over IPC, so a directory snapshot pauses a real writer.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

mkdirSync(dirname(process.argv[2]), { recursive: true });
const db = await PGlite.create({ dataDir: process.argv[2] });
await db.exec(
  'create table if not exists row_log (id integer primary key, at timestamptz not null default now())',
);
let next = ((await db.query('select coalesce(max(id), 0) as max from row_log')).rows[0].max ?? 0) + 1;
let writing = false;
let loop = Promise.resolve();

const insertOne = async () => {
  await db.query('insert into row_log (id) values ($1)', [next]);
  next++;
};

process.on('message', async (message) => {
  try {
    if (message.op === 'write') {
      for (let i = 0; i < message.n; i++) await insertOne();
      process.send({ ok: true, max: next - 1 });
    } else if (message.op === 'start') {
      writing = true;
      loop = (async () => {
        while (writing) {
          await insertOne();
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      })();
      process.send({ ok: true, max: next - 1 });
    } else if (message.op === 'stop') {
      writing = false;
      await loop;
      process.send({ ok: true, max: next - 1 });
    } else if (message.op === 'count') {
      process.send({ ok: true, max: next - 1 });
    } else if (message.op === 'ids') {
      const rows = (await db.query('select id from row_log order by id')).rows;
      process.send({ ok: true, ids: rows.map((r) => r.id) });
    } else if (message.op === 'close') {
      writing = false;
      await loop;
      await db.close();
      process.send({ ok: true }, () => process.exit(0));
    }
  } catch (error) {
    process.send({ ok: false, error: String(error) });
  }
});
process.send({ ok: true, ready: true, max: next - 1 });
