import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';

/** One file of a service's backup, relative to the service's backup directory. */
export interface BackupFile {
  path: string;
  bytes: number;
  /** Hex sha256 of the content, computed after the copy (outside any pause); restore checks it. */
  sha256: string;
  /** The source file's mtime in ns when copied (a later backup links an unchanged file instead of copying it). */
  mtimeNs?: string;
  /** True when the file is a hard link to the previous backup's copy (no bytes written). */
  linked?: boolean;
}

/** What one service's backup holds and cost. */
export interface DataBackupResult {
  method: DataBackupMethod;
  files: BackupFile[];
  /** Empty directories too: a PostgreSQL data directory needs them to start. */
  dirs: string[];
  /** Total size of the backup's files. */
  bytes: number;
  /** Bytes actually written (the rest are links to the previous backup). */
  copiedBytes: number;
  /** How long the service's processes were paused (directory snapshots), null when nothing was paused. */
  pausedMs: number | null;
  /** When the data was captured (the pause, or the dump's start), ms since the epoch. */
  capturedAtMs: number;
}

/** The way a service's data is backed up. */
export type DataBackupMethod = 'directory' | 'postgres';

/** The same service's last good backup, which a directory snapshot links unchanged files to. */
export interface PreviousBackup {
  dir: string;
  files: readonly BackupFile[];
  capturedAtMs: number;
}

/** A restore made ready outside the service's downtime: checked, and staged when the adapter can. */
export interface PreparedRestore {
  /** Puts the backup in place of the live data (the service must be stopped); says where the old data went. */
  apply(): Promise<{ movedAside: string | null }>;
  /** Drops what was staged (the live data was not touched). */
  discard(): Promise<void>;
}

/**
 * The port every backup method implements (one contract suite, test/backup-contract.ts, runs against each).
 * A backup is written into an empty directory; a restore reads one back, refusing it when a file does not match
 * its recorded sha256.
 */
export interface DataBackup {
  readonly method: DataBackupMethod;
  /** Where the data lives, for messages (never a password). */
  readonly source: string;
  /** Writes a backup of the live data into `into` (an existing empty directory). */
  backup(into: string, previous?: PreviousBackup): Promise<DataBackupResult>;
  /**
   * Verifies the backup in `from` (every file against `files`) and prepares its restore under `id`;
   * throws {@link BackupCorruptError} when it does not match, before anything live is touched.
   */
  prepareRestore(
    from: string,
    result: Pick<DataBackupResult, 'files' | 'dirs'>,
    id: string,
  ): Promise<PreparedRestore>;
}

/** A backup whose files are missing or do not match their recorded sha256: refused, nothing replaced. */
export class BackupCorruptError extends Error {
  override readonly name = 'BackupCorruptError';
}

/** Hex sha256 of a file's content. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Checks every file of a backup against its record; throws {@link BackupCorruptError} on the first mismatch. */
export async function verifyBackupFiles(dir: string, files: readonly BackupFile[]): Promise<void> {
  for (const file of files) {
    let actual: string;
    try {
      actual = await sha256OfFile(join(dir, file.path));
    } catch (error) {
      throw new BackupCorruptError(
        `backup file ${file.path} is unreadable (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
    if (actual !== file.sha256)
      throw new BackupCorruptError(
        `backup file ${file.path} does not match its sha256 (expected ${file.sha256.slice(0, 12)}…, found ${actual.slice(0, 12)}…)`,
      );
  }
}
