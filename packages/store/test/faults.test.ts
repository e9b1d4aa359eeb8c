import {
  createFaultRegistry,
  createTestTracing,
  context,
  isFaultInjectedError,
  setCurrentFaultRegistry,
  SpanStatusCode,
  trace,
  type FaultRegistry,
  type TestTracing,
} from '@opsloop/kit';
import { sql, type Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDatabase, PGLITE_MEMORY, type Database } from '../src/index.js';

interface Tables {
  notes: { id: string };
}

let database: Database<Tables>;
let tracing: TestTracing;
let faults: FaultRegistry;

beforeAll(async () => {
  tracing = createTestTracing('notes');
  database = await createPgliteDatabase<Tables>({ dataDir: PGLITE_MEMORY, schema: 'notes' });
  await database.migrate({
    '0001_notes': {
      async up(db: Kysely<unknown>) {
        await sql`create table notes (id text primary key)`.execute(db);
      },
    },
  });
  faults = createFaultRegistry();
  setCurrentFaultRegistry(faults);
}, 60_000);
afterAll(async () => {
  faults.close();
  setCurrentFaultRegistry(undefined);
  await database.close();
  await tracing.shutdown();
});
afterEach(() => {
  faults.clear();
  tracing.reset();
});

describe('the db fault point', () => {
  it('fails every query while an errors fault is in force, inside a trace or not', async () => {
    faults.add({ id: 'db-down', kind: 'errors', point: 'db', params: { ratio: 1 } });
    const untraced: unknown = await database.db
      .selectFrom('notes')
      .selectAll()
      .execute()
      .catch((e: unknown) => e);
    expect(isFaultInjectedError(untraced)).toBe(true);
    const parent = trace.getTracer('test').startSpan('GET /notes');
    const traced: unknown = await context
      .with(trace.setSpan(context.active(), parent), () =>
        database.db.insertInto('notes').values({ id: 'a' }).execute(),
      )
      .catch((e: unknown) => e);
    parent.end();
    expect(isFaultInjectedError(traced)).toBe(true);
    // The query's span shows the failure, as a failing database would.
    expect(tracing.spansNamed('INSERT notes')[0]?.status.code).toBe(SpanStatusCode.ERROR);
    faults.remove('db-down');
    await database.db.insertInto('notes').values({ id: 'a' }).execute();
    expect(await database.db.selectFrom('notes').select('id').execute()).toEqual([{ id: 'a' }]);
  });

  it('delays every query by an injected latency', async () => {
    await database.db.selectFrom('notes').selectAll().execute(); // warm
    faults.add({ kind: 'latency', point: 'db', params: { ms: 120 } });
    const started = performance.now();
    await database.db.selectFrom('notes').selectAll().execute();
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
  });

  it('leaves queries alone when the fault is at another point', async () => {
    faults.add({ kind: 'errors', point: 'http', params: { ratio: 1 } });
    await expect(database.db.selectFrom('notes').selectAll().execute()).resolves.toBeDefined();
  });
});
