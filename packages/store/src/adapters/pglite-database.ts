import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { tryPidLock, type Logger } from '@opsloop/kit';
import { Kysely, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { assembleDatabase } from '../assemble-database.js';
import type { Database } from '../database.js';
import { assertSchemaName } from '../schema-name.js';
import { drainingDialect } from '../draining-driver.js';
import { createTransactionScope } from '../transaction.js';
import { parseDate, TYPE_OIDS } from '../type-parsers.js';

/** The in-memory data directory of PGlite: nothing is written to disk. */
export const PGLITE_MEMORY = 'memory://';

/**
 * A freshly initialised PGlite data directory, as an archive. Creating a PGlite from scratch runs initdb in
 * WebAssembly (about 4 s); loading a template takes about 0.6 s, so tests make one and clone it.
 */
export interface PgliteTemplate {
  /** The `dumpDataDir()` tarball. */
  readonly archive: Blob;
}

/** Options of {@link createPgliteDatabase}. */
export interface PgliteDatabaseOptions {
  /**
   * A directory (created when missing; one per service; its data survives restarts) or `memory://`. A
   * directory is locked by the process that opens it (`<dataDir>.lock`), because two PGlite instances on
   * one directory corrupt it: a service on PGlite runs as a single replica.
   */
  dataDir: string;
  /** The schema holding the service's tables: created when missing and first on the search path. */
  schema: string;
  /**
   * Start a new data directory from this template instead of running initdb (ignored for existing data); a
   * function is called only when the directory is new.
   */
  template?: PgliteTemplate | (() => Promise<PgliteTemplate>);
  /** Receives open, close and migration messages. */
  log?: Logger;
}

/** Makes a {@link PgliteTemplate}: one fresh in-memory PGlite, dumped and closed. */
export async function createPgliteTemplate(): Promise<PgliteTemplate> {
  const pglite = await PGlite.create({ dataDir: PGLITE_MEMORY });
  try {
    return { archive: await pglite.dumpDataDir('none') };
  } finally {
    await pglite.close();
  }
}

/** Takes `<dataDir>.lock` for this process (replacing a stale one); returns the release function. */
function lockDataDir(dataDir: string): () => void {
  const lock = tryPidLock(`${dataDir}.lock`);
  if ('release' in lock) return () => lock.release();
  throw new Error(
    `PGlite data directory ${dataDir} is in use by process ${lock.holder}${lock.holder === process.pid ? ' (this one)' : ''}`,
  );
}

/**
 * Opens the embedded PostgreSQL (PGlite, PostgreSQL 17 in WebAssembly) of one service. PGlite has a single
 * connection: transactions and queries from the whole process are queued on it one at a time, so any isolation level behaves as serializable and serialization
 * failures do not happen. Always `close()` it: an open PGlite keeps the process alive.
 */
export async function createPgliteDatabase<DB>(options: PgliteDatabaseOptions): Promise<Database<DB>> {
  const schema = assertSchemaName(options.schema);
  const inMemory = options.dataDir.startsWith(PGLITE_MEMORY);
  const dataDir = inMemory ? options.dataDir : resolve(options.dataDir);
  let unlock = () => {};
  if (!inMemory) {
    mkdirSync(dirname(dataDir), { recursive: true });
    unlock = lockDataDir(dataDir);
    mkdirSync(dataDir, { recursive: true });
  }
  const fresh = inMemory || !existsSync(join(dataDir, 'PG_VERSION'));
  let pglite: PGlite | undefined;
  try {
    const template =
      fresh && options.template !== undefined
        ? typeof options.template === 'function'
          ? await options.template()
          : options.template
        : undefined;
    pglite = await PGlite.create({
      dataDir,
      ...(template ? { loadDataDir: template.archive } : {}),
      parsers: { [TYPE_OIDS.date]: parseDate },
    });
    const scope = createTransactionScope();
    // The dialect already queues users of PGlite's single connection (a second acquireConnection waits for
    // the first release), so concurrent transactions never interleave statements; no extra mutex needed.
    const kysely = new Kysely<DB>({ dialect: drainingDialect(new PGliteDialect(pglite), scope) });
    const instance = pglite;
    let opened = false;
    const shutdown = async () => {
      try {
        await kysely.destroy();
      } finally {
        if (!instance.closed) await instance.close();
        unlock();
        if (opened) options.log?.info({ schema, dataDir }, 'PGlite database closed');
      }
    };
    try {
      await sql`create schema if not exists ${sql.id(schema)}`.execute(kysely);
      await sql`set search_path to ${sql.id(schema)}`.execute(kysely);
    } catch (error) {
      await shutdown();
      throw error;
    }
    opened = true;
    options.log?.info({ schema, dataDir, fresh }, 'PGlite database opened');
    return assembleDatabase({ kysely, kind: 'pglite', schema, scope, log: options.log, shutdown });
  } catch (error) {
    if (pglite !== undefined && !pglite.closed) await pglite.close().catch(() => {});
    unlock();
    throw error;
  }
}
