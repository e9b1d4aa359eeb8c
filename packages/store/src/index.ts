/**
 * @opsloop/store: the SQL database port (`Database`) with its PGlite and PostgreSQL adapters, the
 * migrations runner and SQLSTATE predicates. See the package README.
 */
export type {
  Database,
  DatabaseKind,
  IsolationLevel,
  MigrateResult,
  Migration,
  TransactionOptions,
} from './database.js';
export {
  SQLSTATE,
  sqlState,
  isUniqueViolation,
  isForeignKeyViolation,
  isCheckViolation,
  isSerializationFailure,
} from './errors.js';
export { MigrationError, MIGRATION_TABLE, MIGRATION_LOCK_TABLE } from './migrations.js';
export { assertSchemaName, schemaNameForService } from './schema-name.js';
export { DEFAULT_TRANSACTION_RETRIES } from './transaction.js';
export {
  createPgliteDatabase,
  createPgliteTemplate,
  PGLITE_MEMORY,
  type PgliteDatabaseOptions,
  type PgliteTemplate,
} from './adapters/pglite-database.js';
export {
  createPostgresDatabase,
  redactUrl,
  type PostgresDatabaseOptions,
} from './adapters/postgres-database.js';
export {
  createDatabaseFromConfig,
  storeConfigSchema,
  DEFAULT_DATA_DIR,
  PGLITE_TEMPLATE_FILE,
  type DatabaseFromConfigOptions,
  type StoreConfig,
} from './adapters/database-from-config.js';
export { loadOrCreatePgliteTemplateFile } from './adapters/pglite-template-file.js';
export {
  createThrowawayPostgresDatabase,
  dropThrowawayPostgresDatabase,
} from './adapters/throwaway-postgres.js';
export { withoutClose } from './without-close.js';
export {
  traceConnection,
  queryShape,
  sanitizeSql,
  MAX_QUERY_TEXT,
  type QueryShape,
} from './traced-connection.js';
