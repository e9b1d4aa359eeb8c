import type { SystemStatus } from '@opsloop/contracts';
import type { Service } from '@opsloop/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackupBusyError, BackupNotFoundError } from '../backup/backup-controller.js';
import { BackupCorruptError } from '../backup/data-backup.js';
import { EndpointRegistry } from '../registry/registry.js';
import { openAuditLog, type AuditLog } from './audit-log.js';
import { createControlApi } from './control-api.js';
import { newToken, TokenStore } from './tokens.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const STATUS: SystemStatus = { system: 'shop', startedAt: '2026-12-07T19:00:00.000Z', services: [] };
const ADMIN = newToken();
const OPERATOR = newToken();
const VIEWER = newToken();
const ID = '20261207T190000Z';

const manifest = (ok: boolean) => ({
  id: ID,
  trigger: 'request',
  startedAt: '2026-12-07T19:00:00.000Z',
  tookMs: 120,
  ok,
  services: {
    orders: {
      method: 'directory',
      source: '/shop/.opsloop/data/orders',
      bytes: 10,
      files: [{ path: 'PG_VERSION', bytes: 10, sha256: 'a'.repeat(64) }],
      dirs: ['base'],
    },
    ...(ok
      ? {}
      : { payments: { method: 'postgres', source: 'postgres://shop@db/shop', error: 'pg_dump failed' } }),
  },
});

describe('control API: backups', () => {
  let api: Service;
  let dir: string;
  let audit: AuditLog;
  let restores: { id: string; services?: readonly string[] }[];
  let next: 'ok' | 'failed' | 'busy' | 'corrupt' | 'missing' | 'restore-failed';

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsloop-backup-api-'));
    audit = await openAuditLog(join(dir, 'audit.log'));
    const tokens = new TokenStore();
    tokens.add(ADMIN, 'admin', 'root');
    tokens.add(OPERATOR, 'operator', 'ops');
    tokens.add(VIEWER, 'viewer', 'dash');
    restores = [];
    next = 'ok';
    api = await createControlApi({
      port: 0,
      tokens,
      registry: new EndpointRegistry(),
      status: () => STATUS,
      requestShutdown: () => {},
      logDestination: { write: () => {} },
      audit,
      backups: {
        list: () => Promise.resolve([manifest(true)]),
        create: () =>
          next === 'busy'
            ? Promise.reject(new BackupBusyError('a backup or restore is already running'))
            : Promise.resolve(manifest(next !== 'failed')),
        restore: (id, services) => {
          if (next === 'missing') return Promise.reject(new BackupNotFoundError(`no backup "${id}"`));
          if (next === 'corrupt')
            return Promise.reject(new BackupCorruptError(`backup ${id}: backup file base/1 does not match`));
          restores.push({ id, ...(services === undefined ? {} : { services }) });
          return Promise.resolve({
            id,
            tookMs: 900,
            services: [
              next === 'restore-failed'
                ? {
                    service: 'orders',
                    ok: false,
                    tookMs: 900,
                    movedAside: null,
                    error: 'orders was not ready again',
                  }
                : { service: 'orders', ok: true, tookMs: 900, movedAside: '/x/orders.before-restore' },
            ],
          });
        },
      },
    });
  });

  afterEach(async () => {
    await api.app.close();
    await audit.close();
    await rm(dir, { recursive: true, force: true });
  });

  const call = (method: 'GET' | 'POST', url: string, token: string, payload?: unknown) =>
    api.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });

  it('lists backups to viewers, without the per-file lists', async () => {
    const answer = await call('GET', '/v1/backups', VIEWER);
    expect(answer.statusCode).toBe(200);
    const orders = answer.json().backups[0].services.orders;
    expect(orders).toMatchObject({ method: 'directory', bytes: 10, fileCount: 1 });
    expect(orders.files).toBeUndefined();
    expect(orders.dirs).toBeUndefined();
  });

  it('lets operators (not viewers) create a backup, and audits it', async () => {
    expect((await call('POST', '/v1/backups', VIEWER)).statusCode).toBe(403);
    const answer = await call('POST', '/v1/backups', OPERATOR);
    expect(answer.statusCode).toBe(201);
    expect(answer.json()).toMatchObject({ id: ID, ok: true });
    const records = await audit.tail(10);
    expect(records.at(-1)).toMatchObject({
      route: '/v1/backups',
      summary: `backup ${ID} created`,
      status: 201,
    });
  });

  it('answers a failed backup with backup-failed naming the service, and a busy runtime with 409', async () => {
    next = 'failed';
    const failed = await call('POST', '/v1/backups', OPERATOR);
    expect(failed.statusCode).toBe(500);
    expect(failed.json()).toMatchObject({
      type: 'https://opsloop.dev/problems/backup-failed',
      detail: 'payments: pg_dump failed',
      id: ID,
    });
    next = 'busy';
    const busy = await call('POST', '/v1/backups', OPERATOR);
    expect(busy.statusCode).toBe(409);
    expect(busy.json().type).toBe('https://opsloop.dev/problems/backup-in-progress');
  });

  it('restores for admins only, with the services asked for', async () => {
    expect((await call('POST', `/v1/backups/${ID}/restore`, OPERATOR, {})).statusCode).toBe(403);
    const answer = await call('POST', `/v1/backups/${ID}/restore`, ADMIN, { services: ['orders'] });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ id: ID, services: [{ service: 'orders', ok: true }] });
    expect((await call('POST', `/v1/backups/${ID}/restore`, ADMIN)).statusCode).toBe(200);
    expect(restores).toEqual([{ id: ID, services: ['orders'] }, { id: ID }]);
  });

  it('answers bad ids, unknown and corrupt backups and failed restores with their problems', async () => {
    const bad = await call('POST', '/v1/backups/..%2Fetc/restore', ADMIN, {});
    expect(bad.statusCode).toBe(400);
    expect(
      (await call('POST', `/v1/backups/${ID}/restore`, ADMIN, { services: ['Bad Name'] })).statusCode,
    ).toBe(400);
    next = 'missing';
    const missing = await call('POST', `/v1/backups/${ID}/restore`, ADMIN, {});
    expect(missing.statusCode).toBe(404);
    expect(missing.json().type).toBe('https://opsloop.dev/problems/backup-not-found');
    next = 'corrupt';
    const corrupt = await call('POST', `/v1/backups/${ID}/restore`, ADMIN, {});
    expect(corrupt.statusCode).toBe(422);
    expect(corrupt.json()).toMatchObject({
      type: 'https://opsloop.dev/problems/backup-corrupt',
      detail: expect.stringMatching(/does not match/),
    });
    next = 'restore-failed';
    const failed = await call('POST', `/v1/backups/${ID}/restore`, ADMIN, {});
    expect(failed.statusCode).toBe(500);
    expect(failed.json()).toMatchObject({
      type: 'https://opsloop.dev/problems/restore-failed',
      detail: 'orders: orders was not ready again',
    });
  });
});
