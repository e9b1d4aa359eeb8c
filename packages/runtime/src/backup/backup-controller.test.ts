import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '@opsloop/kit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDirectorySnapshot } from './adapters/directory-snapshot.js';
import {
  BackupBusyError,
  BackupNotFoundError,
  BackupRequestError,
  createBackupController,
  type BackupEvent,
} from './backup-controller.js';
import { BackupCorruptError, type DataBackup } from './data-backup.js';

const START = Date.UTC(2026, 11, 7, 19, 0, 0);

describe('backup controller', () => {
  let root: string;
  let events: BackupEvent[];
  let calls: string[];
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'opsloop-backup-ctl-'));
    events = [];
    calls = [];
    for (const service of ['orders', 'payments']) {
      await mkdir(join(root, 'data', service, 'base'), { recursive: true });
      await writeFile(join(root, 'data', service, 'base', 'rows'), `${service} v1`);
    }
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const setup = (options: { keep?: number; intervalMinutes?: number; broken?: string } = {}) => {
    const clock = createManualClock(START);
    const targets = () =>
      new Map<string, DataBackup | Error>(
        ['orders', 'payments'].map((service) => [
          service,
          service === options.broken
            ? new Error(`${service}: DATABASE_URL is not set`)
            : createDirectorySnapshot({ dir: join(root, 'data', service), processes: () => [] }),
        ]),
      );
    const controller = createBackupController({
      dir: join(root, 'backups'),
      keep: options.keep ?? 48,
      intervalMinutes: options.intervalMinutes ?? 0,
      clock,
      targets,
      stopService: (service) => {
        calls.push(`stop ${service}`);
        return Promise.resolve(1);
      },
      startService: (service, replicas) => {
        calls.push(`start ${service} ${replicas}`);
        return Promise.resolve();
      },
      report: (event) => events.push(event),
    });
    return { clock, controller };
  };
  const rows = (service: string) => readFile(join(root, 'data', service, 'base', 'rows'), 'utf8');

  it('backs up every service into <dir>/<id> with a manifest, and lists it', async () => {
    const { controller } = setup();
    const manifest = await controller.create();
    expect(manifest.id).toBe('20261207T190000Z');
    expect(manifest.ok).toBe(true);
    expect(Object.keys(manifest.services)).toEqual(['orders', 'payments']);
    expect(manifest.services.orders!.files).toEqual([
      expect.objectContaining({
        path: 'base/rows',
        bytes: 9,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      }),
    ]);
    expect(await readFile(join(root, 'backups', manifest.id, 'orders', 'base', 'rows'), 'utf8')).toBe(
      'orders v1',
    );
    expect((await controller.list()).map((m) => m.id)).toEqual([manifest.id]);
    expect(events).toEqual([
      expect.objectContaining({ phase: 'created', id: manifest.id, trigger: 'request' }),
    ]);
    // A second one in the same second gets a suffix.
    expect((await controller.create()).id).toBe('20261207T190000Z-2');
  });

  it('keeps `keep` good backups, and a failed backup deletes none', async () => {
    const { clock, controller } = setup({ keep: 2 });
    for (let i = 0; i < 3; i++) {
      await controller.create();
      clock.advance(60_000);
    }
    expect((await controller.list()).map((m) => m.id)).toEqual(['20261207T190200Z', '20261207T190100Z']);
    const broken = setup({ keep: 1, broken: 'payments' }).controller;
    clock.advance(60_000);
    const failed = await broken.create();
    expect(failed.ok).toBe(false);
    expect(failed.services.payments!.error).toMatch(/DATABASE_URL is not set/);
    expect(failed.services.orders!.error).toBeUndefined();
    expect((await broken.list()).filter((m) => m.ok)).toHaveLength(2);
    expect(events.at(-1)).toEqual(
      expect.objectContaining({ phase: 'failed', detail: expect.stringMatching(/^payments: /) }),
    );
  });

  it('backs up every intervalMinutes on the injected clock', async () => {
    const { clock, controller } = setup({ intervalMinutes: 15 });
    await controller.start();
    clock.advance(14 * 60_000);
    expect(await controller.list()).toHaveLength(0);
    clock.advance(60_000);
    await vi.waitFor(async () => expect(await controller.list()).toHaveLength(1));
    await vi.waitFor(() => expect(clock.pending()).toBe(1));
    clock.advance(15 * 60_000);
    await vi.waitFor(async () => expect(await controller.list()).toHaveLength(2));
    expect((await controller.list())[0]!.trigger).toBe('schedule');
    await controller.stop();
  });

  it('restores: stops the service, puts the backup in place with the old data aside, starts it again', async () => {
    const { controller } = setup();
    const { id } = await controller.create();
    await writeFile(join(root, 'data', 'orders', 'base', 'rows'), 'orders v2');
    await writeFile(join(root, 'data', 'payments', 'base', 'rows'), 'payments v2');
    const result = await controller.restore(id, ['orders']);
    expect(result.services).toEqual([
      expect.objectContaining({
        service: 'orders',
        ok: true,
        movedAside: join(root, 'data', `orders.before-restore-${id}`),
      }),
    ]);
    expect(calls).toEqual(['stop orders', 'start orders 1']);
    expect(await rows('orders')).toBe('orders v1');
    expect(await rows('payments')).toBe('payments v2');
    expect(await readFile(join(root, 'data', `orders.before-restore-${id}`, 'base', 'rows'), 'utf8')).toBe(
      'orders v2',
    );
    expect(events.at(-1)).toEqual(expect.objectContaining({ phase: 'restored', service: 'orders' }));
  });

  it('refuses a corrupt backup before stopping anything', async () => {
    const { controller } = setup();
    const { id } = await controller.create();
    await writeFile(join(root, 'backups', id, 'payments', 'base', 'rows'), 'tampered');
    await writeFile(join(root, 'data', 'orders', 'base', 'rows'), 'orders v2');
    await expect(controller.restore(id)).rejects.toThrow(BackupCorruptError);
    expect(calls).toEqual([]);
    expect(await rows('orders')).toBe('orders v2');
    expect(existsSync(join(root, 'data', `.orders.restoring-${id}`))).toBe(false);
  });

  it('refuses unknown backups and services, and a second operation while one runs', async () => {
    const { controller } = setup();
    await expect(controller.restore('20200101T000000Z')).rejects.toThrow(BackupNotFoundError);
    await expect(controller.restore('../../etc')).rejects.toThrow(BackupNotFoundError);
    const { id } = await controller.create();
    await expect(controller.restore(id, ['cart'])).rejects.toThrow(BackupRequestError);
    const first = controller.create();
    await expect(controller.create()).rejects.toThrow(BackupBusyError);
    await first;
  });
});
