import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackupFile, DataBackupMethod } from './data-backup.js';

/** One service's part of a backup (`manifest.json`). */
export interface ServiceBackupEntry {
  method: DataBackupMethod;
  /** Where the data was read (a directory, or a server and schema without password). */
  source: string;
  startedAt: string;
  tookMs: number;
  /** Set when this service's backup failed (then nothing else is). */
  error?: string;
  capturedAt?: string;
  pausedMs?: number | null;
  bytes?: number;
  copiedBytes?: number;
  files?: BackupFile[];
  dirs?: string[];
}

/** A backup of every service with `backup:` (`<backups dir>/<id>/manifest.json`). */
export interface BackupManifest {
  /** The UTC time it started, `20261207T190000Z` (a `-2` suffix for a second one in the same second). */
  id: string;
  trigger: 'schedule' | 'request';
  startedAt: string;
  tookMs: number;
  /** True when every service's part succeeded. */
  ok: boolean;
  services: Record<string, ServiceBackupEntry>;
}

export const MANIFEST_FILE = 'manifest.json';
const ID_PATTERN = /^\d{8}T\d{6}Z(-\d+)?$/;

/** True for a string shaped like a backup id (also what keeps ids from naming paths outside the directory). */
export const isBackupId = (id: string): boolean => ID_PATTERN.test(id);

/** `20261207T190000Z` for a time in ms. */
export function backupIdOf(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Every complete backup under `dir`, newest first (a directory without a readable manifest is skipped). */
export async function listManifests(dir: string): Promise<BackupManifest[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const manifests: BackupManifest[] = [];
  for (const name of names.filter(isBackupId)) {
    const manifest = await readManifest(dir, name);
    if (manifest !== undefined) manifests.push(manifest);
  }
  return manifests.sort((a, b) => compareIds(b.id, a.id));
}

/** Orders ids by time, then by their same-second suffix. */
export function compareIds(a: string, b: string): number {
  const [ta = '', na = '1'] = a.split('-');
  const [tb = '', nb = '1'] = b.split('-');
  return ta === tb ? Number(na) - Number(nb) : ta < tb ? -1 : 1;
}

/** The manifest of backup `id`, or undefined when there is none. */
export async function readManifest(dir: string, id: string): Promise<BackupManifest | undefined> {
  if (!isBackupId(id)) return undefined;
  try {
    return JSON.parse(await readFile(join(dir, id, MANIFEST_FILE), 'utf8')) as BackupManifest;
  } catch {
    return undefined;
  }
}

/** The directory a backup is written into before it is complete (never listed). */
export const partialDirOf = (dir: string, id: string): string => join(dir, `.${id}.partial`);

/** Writes the manifest into the partial directory and makes the backup visible under its id. */
export async function commitBackup(dir: string, manifest: BackupManifest): Promise<void> {
  const partial = partialDirOf(dir, manifest.id);
  await writeFile(join(partial, MANIFEST_FILE), `${JSON.stringify(manifest, null, 1)}\n`);
  await rename(partial, join(dir, manifest.id));
}

/** Makes the partial directory of a new backup (and the backups directory). */
export async function beginBackup(dir: string, id: string): Promise<string> {
  const partial = partialDirOf(dir, id);
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  return partial;
}

/**
 * The backups to delete once a new good one exists: good ones beyond the newest `keep`, and failed ones older
 * than the oldest good one kept. Never the only good backup, and nothing when no backup is good.
 */
export function backupsToPrune(manifests: readonly BackupManifest[], keep: number): string[] {
  const newestFirst = [...manifests].sort((a, b) => compareIds(b.id, a.id));
  const good = newestFirst.filter((m) => m.ok);
  if (good.length === 0) return [];
  const kept = good.slice(0, Math.max(1, keep));
  const oldestKept = kept.at(-1)!.id;
  return newestFirst
    .filter((m) => (m.ok ? !kept.includes(m) : compareIds(m.id, oldestKept) < 0))
    .map((m) => m.id);
}

/** Removes stale partial directories (a backup interrupted by a crash). */
export async function removePartials(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names.filter((n) => n.startsWith('.') && n.endsWith('.partial')))
    await rm(join(dir, name), { recursive: true, force: true });
}
