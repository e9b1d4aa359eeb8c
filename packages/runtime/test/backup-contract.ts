// The one contract suite of the DataBackup port (src/backup/data-backup.ts), run against every adapter.
import { mkdtemp, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { BackupCorruptError, type DataBackup, type DataBackupResult } from '../src/backup/data-backup.js';

/** A store of numbered rows with a writer holding it (a replica, as far as the backup can tell). */
export interface ContractStore {
  readonly backup: DataBackup;
  /** Inserts `n` rows with the next ids, each committed before it returns. */
  write(n: number): Promise<void>;
  /** Starts writing rows continuously, one transaction each. */
  startWriting(): Promise<void>;
  /** Stops the continuous writer; resolves with the highest id committed. */
  stopWriting(): Promise<number>;
  /** The highest id committed so far. */
  count(): Promise<number>;
  /** Stops the writer and closes the data (as scaling the service to 0 does), so a restore may replace it. */
  stop(): Promise<void>;
  /** Every row id in the data, opening it again if it was stopped. */
  ids(): Promise<number[]>;
  close(): Promise<void>;
}

/** How one adapter's contract run gets a fresh store. */
export type OpenContractStore = () => Promise<ContractStore>;

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Registers the contract's tests for one adapter (inside the caller's describe). */
export function describeDataBackupContract(open: OpenContractStore): void {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });
  const backupDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opsloop-backup-contract-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  };
  const openStore = async () => {
    const store = await open();
    cleanups.push(() => store.close());
    return store;
  };
  const restore = async (store: ContractStore, dir: string, result: DataBackupResult, id: string) => {
    const prepared = await store.backup.prepareRestore(dir, result, id);
    await store.stop();
    return prepared.apply();
  };

  it('restores exactly the rows written before the backup', async () => {
    const store = await openStore();
    await store.write(20);
    const dir = await backupDir();
    const result = await store.backup.backup(dir);
    expect(result.files.length).toBeGreaterThan(0);
    expect(result.bytes).toBe(result.files.reduce((sum, f) => sum + f.bytes, 0));
    for (const file of result.files) expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
    await store.write(20);
    expect(await store.count()).toBe(40);
    const { movedAside } = await restore(store, dir, result, '20260101T000000Z');
    expect(await store.ids()).toEqual(range(1, 20));
    expect(movedAside).not.toBeNull();
  });

  it('takes a consistent backup while the writer keeps writing', async () => {
    const store = await openStore();
    await store.write(5);
    await store.startWriting();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = await store.count();
    const dir = await backupDir();
    const result = await store.backup.backup(dir);
    const after = await store.count();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const last = await store.stopWriting();
    await restore(store, dir, result, '20260101T000001Z');
    const ids = await store.ids();
    // A prefix with no gap: every row committed before the backup, none of those after it.
    expect(ids).toEqual(range(1, ids.length));
    expect(ids.length).toBeGreaterThanOrEqual(before);
    expect(ids.length).toBeLessThanOrEqual(after);
    expect(ids.length).toBeLessThan(last);
  });

  it('refuses a corrupted backup and leaves the live data alone', async () => {
    const store = await openStore();
    await store.write(10);
    const dir = await backupDir();
    const result = await store.backup.backup(dir);
    await store.write(5);
    const victim = [...result.files].sort((a, b) => b.bytes - a.bytes)[0]!;
    await truncate(join(dir, victim.path), Math.floor(victim.bytes / 2));
    await expect(store.backup.prepareRestore(dir, result, '20260101T000002Z')).rejects.toThrow(
      BackupCorruptError,
    );
    await expect(store.backup.prepareRestore(dir, result, '20260101T000002Z')).rejects.toThrow(
      /does not match its sha256/,
    );
    expect(await store.ids()).toEqual(range(1, 15));
  });

  it('refuses a backup with a missing file', async () => {
    const store = await openStore();
    await store.write(3);
    const dir = await backupDir();
    const result = await store.backup.backup(dir);
    await rm(join(dir, result.files[0]!.path));
    await expect(store.backup.prepareRestore(dir, result, '20260101T000003Z')).rejects.toThrow(/unreadable/);
  });
}
