// The backup feature's composition root: picks the adapter of each service's backup.
import { resolve } from 'node:path';
import type { ServiceBackupSpec } from '../spec/operations-schema.js';
import { createDirectorySnapshot } from './adapters/directory-snapshot.js';
import { createPostgresDump } from './adapters/postgres-dump.js';
import type { DataBackup } from './data-backup.js';

export {
  BackupBusyError,
  BackupNotFoundError,
  BackupRequestError,
  createBackupController,
  type BackupController,
  type BackupEvent,
  type RestoreResult,
  type ServiceRestoreResult,
} from './backup-controller.js';
export type { BackupManifest, ServiceBackupEntry } from './backup-manifest.js';
export { BackupCorruptError, type DataBackup } from './data-backup.js';

/** What {@link backupTargetFor} needs of a service. */
export interface BackupTargetOptions {
  service: string;
  backup: ServiceBackupSpec;
  /** The service's working directory (absolute): `backup.dir` is relative to it. */
  cwd: string;
  /** The env its replicas get (spec env and injected secrets): where the PostgreSQL URL comes from. */
  env: Readonly<Record<string, string>>;
  /** Process group leaders of its replicas (paused during a directory snapshot). */
  processes: () => readonly number[];
}

/**
 * How a service is backed up now: `pg_dump` of its schema when `backup.postgres` is set and its env has the
 * URL, else a snapshot of `backup.dir`; an Error says why neither applies.
 */
export function backupTargetFor(options: BackupTargetOptions): DataBackup | Error {
  const { backup } = options;
  const url = backup.postgres === undefined ? undefined : options.env[backup.postgres.urlEnv];
  if (backup.postgres !== undefined && url !== undefined && url !== '')
    return createPostgresDump({ url, schema: backup.postgres.schema });
  if (backup.dir !== undefined)
    return createDirectorySnapshot({ dir: resolve(options.cwd, backup.dir), processes: options.processes });
  return new Error(
    `${backup.postgres?.urlEnv ?? 'DATABASE_URL'} is not set in ${options.service}'s env or injected secrets, and its backup has no dir`,
  );
}
