import { copyFile, link, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { tryPidLock } from '@opsloop/kit';
import {
  BackupCorruptError,
  sha256OfFile,
  verifyBackupFiles,
  type BackupFile,
  type DataBackup,
  type DataBackupResult,
  type PreparedRestore,
  type PreviousBackup,
} from '../data-backup.js';

/** Options of {@link createDirectorySnapshot}. */
export interface DirectorySnapshotOptions {
  /** The live data directory (absolute). */
  dir: string;
  /** Process group leaders (or lone pids) of every replica that writes `dir`: paused during the copy. */
  processes: () => readonly number[];
  /** The copy is abandoned (and the processes resumed) when the pause would exceed this; 10 s by default. */
  maxPauseMs?: number;
  now?: () => number;
}

/**
 * A file is linked to the previous copy only if it had not changed for this long before that copy was taken:
 * a write right after a snapshot can keep the same mtime on a coarse clock (jiffies), and would be missed.
 */
const LINK_SAFETY_MS = 1_000n;

/** Sends a signal to a process group, or the lone process; a process already gone is fine. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(-pid, name);
  } catch {
    try {
      process.kill(pid, name);
    } catch {
      // Gone: nothing to pause or resume.
    }
  }
}

/** Every file and directory under `root`, relative, parents first; refuses anything else (symlinks, sockets). */
async function walk(root: string, relative = ''): Promise<{ files: string[]; dirs: string[] }> {
  const files: string[] = [];
  const dirs: string[] = [];
  for (const entry of await readdir(join(root, relative), { withFileTypes: true })) {
    const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) {
      dirs.push(path);
      const inner = await walk(root, path);
      files.push(...inner.files);
      dirs.push(...inner.dirs);
    } else if (entry.isFile()) files.push(path);
    else throw new Error(`${join(root, path)} is neither a file nor a directory: not backed up`);
  }
  return { files, dirs };
}

/**
 * Crash-consistent snapshots of a data directory: every process that writes it is paused (SIGSTOP) while the
 * files are copied, then resumed (SIGCONT, always). A paused process makes no writes, so the copy is the state a
 * crash at that instant would leave, which PostgreSQL (and PGlite) recover from their WAL on open: the guarantee
 * of a storage snapshot. Unchanged files are hard links to the previous backup's copy (rsync --link-dest), and
 * the sha256 of each copy is computed after the processes run again.
 */
export function createDirectorySnapshot(options: DirectorySnapshotOptions): DataBackup {
  const { dir } = options;
  const maxPauseMs = options.maxPauseMs ?? 10_000;
  const now = options.now ?? Date.now;
  return {
    method: 'directory',
    source: dir,
    async backup(into: string, previous?: PreviousBackup): Promise<DataBackupResult> {
      if (!existsSync(dir)) throw new Error(`the data directory ${dir} does not exist`);
      const before = new Map((previous?.files ?? []).map((f) => [f.path, f]));
      const linkBefore =
        previous === undefined
          ? 0n
          : BigInt(previous.capturedAtMs) * 1_000_000n - LINK_SAFETY_MS * 1_000_000n;
      const pids = [...new Set(options.processes())];
      const copied: { path: string; bytes: number; mtimeNs: string; linkedTo?: BackupFile }[] = [];
      let dirs: string[] = [];
      let expired = false;
      const resume = () => {
        for (const pid of pids) signal(pid, 'SIGCONT');
      };
      // Never leave a service frozen: not when the copy overruns, not when this process exits mid-copy.
      process.once('exit', resume);
      // No replica to pause (scaled to 0, or between restarts): hold the data's lock so none starts mid-copy.
      const held = pids.length === 0 ? tryPidLock(`${dir}.lock`) : undefined;
      if (held !== undefined && 'holder' in held) {
        process.off('exit', resume);
        throw new Error(`${dir} is in use by process ${held.holder}, which is not a replica of the service`);
      }
      const pausedAt = now();
      for (const pid of pids) signal(pid, 'SIGSTOP');
      const timer = setTimeout(() => {
        expired = true;
        resume();
      }, maxPauseMs);
      let resumedAt: number;
      try {
        const tree = await walk(dir);
        dirs = tree.dirs;
        for (const path of dirs) await mkdir(join(into, path), { recursive: true });
        for (const path of tree.files) {
          if (expired) break;
          const info = await stat(join(dir, path), { bigint: true });
          const old = before.get(path);
          const entry = { path, bytes: Number(info.size), mtimeNs: info.mtimeNs.toString() };
          if (
            previous !== undefined &&
            old !== undefined &&
            old.bytes === entry.bytes &&
            old.mtimeNs === entry.mtimeNs &&
            info.mtimeNs < linkBefore
          ) {
            try {
              await link(join(previous.dir, path), join(into, path));
              copied.push({ ...entry, linkedTo: old });
              continue;
            } catch {
              // Another file system, or the old copy is gone: copy it.
            }
          }
          await copyFile(join(dir, path), join(into, path));
          copied.push(entry);
        }
      } finally {
        clearTimeout(timer);
        resumedAt = now();
        if (!expired) resume();
        process.off('exit', resume);
        held?.release();
      }
      if (expired)
        throw new Error(
          `the copy of ${dir} took longer than the ${maxPauseMs} ms a service may be paused; it was resumed and this backup abandoned`,
        );
      const files: BackupFile[] = [];
      for (const entry of copied) {
        const linked = entry.linkedTo !== undefined;
        files.push({
          path: entry.path,
          bytes: entry.bytes,
          sha256: entry.linkedTo?.sha256 ?? (await sha256OfFile(join(into, entry.path))),
          mtimeNs: entry.mtimeNs,
          ...(linked ? { linked: true } : {}),
        });
      }
      const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
      return {
        method: 'directory',
        files,
        dirs,
        bytes,
        copiedBytes: files.filter((f) => f.linked !== true).reduce((sum, f) => sum + f.bytes, 0),
        pausedMs: pids.length === 0 ? null : resumedAt - pausedAt,
        capturedAtMs: pausedAt,
      };
    },
    async prepareRestore(from, result, id): Promise<PreparedRestore> {
      await verifyBackupFiles(from, result.files);
      // Staged next to the live directory (same file system: the swap is two renames), never over it.
      const staged = join(dirname(dir), `.${basename(dir)}.restoring-${id}`);
      await rm(staged, { recursive: true, force: true });
      await mkdir(staged, { recursive: true });
      try {
        for (const path of result.dirs) await mkdir(join(staged, path), { recursive: true });
        // Copies, never links: the service writes these files, and a link would change every backup sharing them.
        for (const file of result.files) {
          await mkdir(dirname(join(staged, file.path)), { recursive: true });
          await copyFile(join(from, file.path), join(staged, file.path));
        }
        await verifyBackupFiles(staged, result.files);
      } catch (error) {
        await rm(staged, { recursive: true, force: true });
        if (error instanceof BackupCorruptError)
          throw new BackupCorruptError(`the copy of the backup changed while staging: ${error.message}`);
        throw error;
      }
      return {
        async apply() {
          // The service's lock: no replica may open the directory while it is swapped.
          const lock = tryPidLock(`${dir}.lock`);
          if ('holder' in lock)
            throw new Error(`${dir} is in use by process ${lock.holder}; stop the service first`);
          try {
            let movedAside: string | null = null;
            if (existsSync(dir)) {
              movedAside = `${dir}.before-restore-${id}`;
              for (let n = 2; existsSync(movedAside); n++) movedAside = `${dir}.before-restore-${id}-${n}`;
              await rename(dir, movedAside);
            }
            try {
              await rename(staged, dir);
            } catch (error) {
              if (movedAside !== null) await rename(movedAside, dir);
              throw error;
            }
            return { movedAside };
          } finally {
            lock.release();
          }
        },
        async discard() {
          await rm(staged, { recursive: true, force: true });
        },
      };
    },
  };
}
