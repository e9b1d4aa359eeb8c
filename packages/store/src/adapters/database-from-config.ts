import { join } from 'node:path';
import type { Logger } from '@opsloop/kit';
import { z } from 'zod';
import type { Database } from '../database.js';
import { schemaNameForService } from '../schema-name.js';
import { createPgliteDatabase, type PgliteTemplate } from './pglite-database.js';
import { loadOrCreatePgliteTemplateFile } from './pglite-template-file.js';
import { createPostgresDatabase } from './postgres-database.js';

/** Where PGlite data directories live when `DATA_DIR` is not set (relative to the working directory). */
export const DEFAULT_DATA_DIR = '.opsloop/data';

/** The shared template every new PGlite data directory under `DATA_DIR` starts from (made once). */
export const PGLITE_TEMPLATE_FILE = '.pglite-template.tar';

/**
 * The store's environment variables, to merge into a service's config schema
 * (`baseConfigSchema.extend(storeConfigSchema.shape)`):
 *
 * - `DATABASE_URL`: a `postgres://` or `postgresql://` URL; when set the service uses PostgreSQL;
 * - `DATA_DIR`: the parent of the PGlite data directories otherwise (default `.opsloop/data`).
 */
export const storeConfigSchema = z.object({
  DATABASE_URL: z
    .url({
      protocol: /^postgres(ql)?$/,
      error: 'expected a postgres:// or postgresql:// URL',
    })
    .optional(),
  DATA_DIR: z.string().min(1, 'expected a directory').optional(),
});

/** The store's settings, as parsed by {@link storeConfigSchema}. */
export type StoreConfig = z.infer<typeof storeConfigSchema>;

/** Options of {@link createDatabaseFromConfig}. */
export interface DatabaseFromConfigOptions extends StoreConfig {
  /** The service's name (`order-history`); its schema is the name with `-` replaced by `_`. */
  service: string;
  /** Passed to the adapter. */
  log?: Logger;
  /** For tests: a new PGlite data directory starts from this template (see `createPgliteTemplate`). */
  pgliteTemplate?: PgliteTemplate;
}

/**
 * Picks the adapter for a service: PostgreSQL when `DATABASE_URL` is set, else PGlite in
 * `<DATA_DIR>/<service>` (a new one starts from the shared template `<DATA_DIR>/.pglite-template.tar`). The schema is the service's name with `-` replaced by `_` in both cases, so the
 * same migrations run on either.
 */
export function createDatabaseFromConfig<DB>(options: DatabaseFromConfigOptions): Promise<Database<DB>> {
  const schema = schemaNameForService(options.service);
  const log = options.log ? { log: options.log } : {};
  if (options.DATABASE_URL !== undefined && options.DATABASE_URL !== '') {
    return createPostgresDatabase<DB>({ url: options.DATABASE_URL, schema, ...log });
  }
  const parent = options.DATA_DIR ?? DEFAULT_DATA_DIR;
  const template =
    options.pgliteTemplate ??
    (() => loadOrCreatePgliteTemplateFile(join(parent, PGLITE_TEMPLATE_FILE), options.log));
  return createPgliteDatabase<DB>({ dataDir: join(parent, options.service), schema, template, ...log });
}
