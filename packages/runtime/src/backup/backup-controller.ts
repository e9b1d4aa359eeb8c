import { mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, TimerHandle } from '@opsloop/kit';
import {
  backupIdOf,
  backupsToPrune,
  beginBackup,
  commitBackup,
  isBackupId,
  listManifests,
  readManifest,
  removePartials,
  type BackupManifest,
  type ServiceBackupEntry,
} from './backup-manifest.js';
import { BackupCorruptError, type DataBackup, type PreparedRestore } from './data-backup.js';

/** What the controller reports (the runtime turns these into events and audit records). */
export type BackupEvent =
  | { phase: 'created' | 'failed'; id: string; trigger: 'schedule' | 'request'; detail: string }
  | { phase: 'restored' | 'restore-failed'; id: string; service: string; detail: string };

/** Options of {@link createBackupController}. */
export interface BackupControllerOptions {
  /** Where backups go (absolute). */
  dir: string;
  /** Good backups kept. */
  keep: number;
  /** Minutes between scheduled backups; 0: on request only. */
  intervalMinutes: number;
  clock: Clock;
  /** Every service with `backup:`, and how to back it up now (or why it cannot be). */
  targets(): Map<string, DataBackup | Error>;
  /** Scales a service to 0 and resolves once its replicas have exited, with the replica count it had. */
  stopService(service: string): Promise<number>;
  /** Scales a service back to `replicas` and resolves once they are ready (or rejects on timeout). */
  startService(service: string, replicas: number): Promise<void>;
  report(event: BackupEvent): void;
}

/** One service's part of a restore. */
export interface ServiceRestoreResult {
  service: string;
  ok: boolean;
  /** From stopping the service to its replicas ready again. */
  tookMs: number;
  /** Where the data it replaced went (`<dir>.before-restore-<id>`, or the schema it was renamed to). */
  movedAside: string | null;
  error?: string;
}

/** The answer of a restore. */
export interface RestoreResult {
  id: string;
  tookMs: number;
  services: ServiceRestoreResult[];
}

/** Another backup or restore is running. */
export class BackupBusyError extends Error {
  override readonly name = 'BackupBusyError';
}

/** No backup has this id. */
export class BackupNotFoundError extends Error {
  override readonly name = 'BackupNotFoundError';
}

/** A restore the backup cannot satisfy (a service it does not hold, or whose part failed). */
export class BackupRequestError extends Error {
  override readonly name = 'BackupRequestError';
}

/** Backs up, lists and restores; see {@link createBackupController}. */
export interface BackupController {
  /** Arms the schedule (the next backup is due one interval after the newest one). */
  start(): Promise<void>;
  /** Disarms the schedule and waits for a running backup or restore. */
  stop(): Promise<void>;
  list(): Promise<BackupManifest[]>;
  /** Backs up every service now; a failed service is recorded in the manifest (`ok: false`). */
  create(trigger?: 'schedule' | 'request'): Promise<BackupManifest>;
  /** Restores `services` (all of the backup's by default) from backup `id`. */
  restore(id: string, services?: readonly string[]): Promise<RestoreResult>;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The runtime's backups: scheduled every `intervalMinutes` and on request, one at a time, written as
 * `<dir>/<id>/<service>/…` with a `manifest.json`, pruned to `keep` good ones after a success. A restore
 * verifies every chosen service's backup first, then per service (in parallel): scale to 0, put the backup in
 * place (the data it replaces moved aside, never deleted), scale back and wait ready.
 */
export function createBackupController(options: BackupControllerOptions): BackupController {
  const { dir, clock } = options;
  let busy: Promise<unknown> | undefined;
  let timer: TimerHandle | undefined;
  let stopped = false;

  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    if (busy !== undefined)
      return Promise.reject(
        new BackupBusyError('a backup or restore is already running; try again when it ends'),
      );
    const run = work().finally(() => (busy = undefined));
    busy = run;
    return run;
  };

  const freshId = (): string => {
    const base = backupIdOf(clock.now());
    let id = base;
    for (let n = 2; existsSync(join(dir, id)); n++) id = `${base}-${n}`;
    return id;
  };

  async function backupAll(trigger: 'schedule' | 'request'): Promise<BackupManifest> {
    const startedMs = clock.now();
    const id = freshId();
    await mkdir(dir, { recursive: true });
    await removePartials(dir);
    const partial = await beginBackup(dir, id);
    const previous = await listManifests(dir);
    const services: Record<string, ServiceBackupEntry> = {};
    // One service at a time: each is paused only for its own copy.
    for (const [service, target] of options.targets()) {
      const started = clock.now();
      if (target instanceof Error) {
        services[service] = {
          method: 'directory',
          source: '',
          startedAt: iso(started),
          tookMs: 0,
          error: target.message,
        };
        continue;
      }
      const last = previous.find(
        (m) => m.services[service]?.error === undefined && m.services[service]?.method === target.method,
      );
      const lastEntry = last?.services[service];
      try {
        const into = join(partial, service);
        await mkdir(into, { recursive: true });
        const result = await target.backup(
          into,
          last === undefined || lastEntry?.files === undefined || lastEntry.capturedAt === undefined
            ? undefined
            : {
                dir: join(dir, last.id, service),
                files: lastEntry.files,
                capturedAtMs: Date.parse(lastEntry.capturedAt),
              },
        );
        services[service] = {
          method: result.method,
          source: target.source,
          startedAt: iso(started),
          tookMs: clock.now() - started,
          capturedAt: iso(result.capturedAtMs),
          pausedMs: result.pausedMs,
          bytes: result.bytes,
          copiedBytes: result.copiedBytes,
          files: result.files,
          dirs: result.dirs,
        };
      } catch (error) {
        await rm(join(partial, service), { recursive: true, force: true });
        services[service] = {
          method: target.method,
          source: target.source,
          startedAt: iso(started),
          tookMs: clock.now() - started,
          error: message(error),
        };
      }
    }
    const failed = Object.entries(services).filter(([, entry]) => entry.error !== undefined);
    const manifest: BackupManifest = {
      id,
      trigger,
      startedAt: iso(startedMs),
      tookMs: clock.now() - startedMs,
      ok: failed.length === 0 && Object.keys(services).length > 0,
      services,
    };
    await commitBackup(dir, manifest);
    if (manifest.ok) {
      // Only after a success: a failing backup never costs an older good one.
      for (const old of backupsToPrune([manifest, ...previous], options.keep))
        await rm(join(dir, old), { recursive: true, force: true });
      const bytes = Object.values(services).reduce((sum, s) => sum + (s.copiedBytes ?? 0), 0);
      options.report({
        phase: 'created',
        id,
        trigger,
        detail: `${Object.keys(services).length} services, ${(bytes / 1e6).toFixed(1)} MB written in ${manifest.tookMs} ms`,
      });
    } else {
      options.report({
        phase: 'failed',
        id,
        trigger,
        detail:
          failed.length === 0
            ? 'no service has backup: in the spec'
            : failed.map(([service, entry]) => `${service}: ${entry.error}`).join('; '),
      });
    }
    return manifest;
  }

  async function restoreFrom(id: string, only?: readonly string[]): Promise<RestoreResult> {
    const started = clock.now();
    const manifest = isBackupId(id) ? await readManifest(dir, id) : undefined;
    if (manifest === undefined) throw new BackupNotFoundError(`no backup "${id}" in ${dir}`);
    const chosen =
      only === undefined || only.length === 0 ? Object.keys(manifest.services) : [...new Set(only)];
    const targets = options.targets();
    for (const service of chosen) {
      const entry = manifest.services[service];
      if (entry === undefined)
        throw new BackupRequestError(
          `backup ${id} holds no "${service}" (it has ${Object.keys(manifest.services).join(', ') || 'nothing'})`,
        );
      if (entry.error !== undefined || entry.files === undefined)
        throw new BackupRequestError(
          `the backup of ${service} in ${id} failed (${entry.error ?? 'no files'}); pick another backup or leave it out`,
        );
      const target = targets.get(service);
      if (target === undefined)
        throw new BackupRequestError(`${service} has no backup: section in the running spec`);
      if (target instanceof Error) throw new BackupRequestError(`${service}: ${target.message}`);
      if (target.method !== entry.method)
        throw new BackupRequestError(
          `${service} is backed up by ${target.method} now; backup ${id} was taken by ${entry.method}`,
        );
    }
    // Every backup checked (and staged) before any service stops: a corrupt one changes nothing.
    const prepared = new Map<string, PreparedRestore>();
    try {
      for (const service of chosen) {
        const entry = manifest.services[service]!;
        const target = targets.get(service) as DataBackup;
        prepared.set(
          service,
          await target.prepareRestore(
            join(dir, id, service),
            { files: entry.files!, dirs: entry.dirs ?? [] },
            id,
          ),
        );
      }
    } catch (error) {
      for (const p of prepared.values()) await p.discard().catch(() => undefined);
      if (error instanceof BackupCorruptError) throw new BackupCorruptError(`backup ${id}: ${error.message}`);
      throw error;
    }
    const services = await Promise.all(
      chosen.map(async (service): Promise<ServiceRestoreResult> => {
        const t0 = clock.now();
        let replicas: number | undefined;
        try {
          replicas = await options.stopService(service);
          const { movedAside } = await prepared.get(service)!.apply();
          await options.startService(service, replicas);
          const result = { service, ok: true, tookMs: clock.now() - t0, movedAside };
          options.report({
            phase: 'restored',
            id,
            service,
            detail: `ready again after ${result.tookMs} ms${movedAside === null ? '' : `; the replaced data is in ${movedAside}`}`,
          });
          return result;
        } catch (error) {
          await prepared
            .get(service)!
            .discard()
            .catch(() => undefined);
          if (replicas !== undefined) await options.startService(service, replicas).catch(() => undefined);
          options.report({ phase: 'restore-failed', id, service, detail: message(error) });
          return { service, ok: false, tookMs: clock.now() - t0, movedAside: null, error: message(error) };
        }
      }),
    );
    return { id, tookMs: clock.now() - started, services };
  }

  /** Schedules the next backup one interval after `lastMs` (the newest backup's start), or now if overdue. */
  const arm = (lastMs: number | undefined) => {
    if (stopped || options.intervalMinutes === 0) return;
    const interval = options.intervalMinutes * 60_000;
    const due = (lastMs ?? clock.now()) + interval;
    timer = clock.after(Math.max(0, due - clock.now()), () => {
      timer = undefined;
      const tried = clock.now();
      // A failure is reported by the backup itself; a busy runtime (a restore) just waits for the next turn.
      void exclusive(() => backupAll('schedule')).then(
        () => arm(tried),
        () => arm(tried),
      );
    });
  };

  return {
    async start() {
      const newest = (await listManifests(dir)).find((m) => m.ok);
      arm(newest === undefined ? undefined : Date.parse(newest.startedAt));
    },
    async stop() {
      stopped = true;
      timer?.cancel();
      await busy?.catch(() => undefined);
    },
    list: () => listManifests(dir),
    create: (trigger = 'request') => exclusive(() => backupAll(trigger)),
    restore: (id, services) => exclusive(() => restoreFrom(id, services)),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
