import { describe, expect, it } from 'vitest';
import { backupTargetFor } from './index.js';

const base = { service: 'orders', cwd: '/shop', processes: () => [] };

describe('backupTargetFor', () => {
  it('dumps the schema when the service has the PostgreSQL URL, never showing its password', () => {
    const target = backupTargetFor({
      ...base,
      backup: { dir: '.opsloop/data/orders', postgres: { urlEnv: 'DATABASE_URL', schema: 'orders' } },
      env: { DATABASE_URL: 'postgres://shop:s3cret@db:5432/shop' },
    });
    expect(target).not.toBeInstanceOf(Error);
    expect(target).toMatchObject({
      method: 'postgres',
      source: 'postgres://shop@db:5432/shop schema orders',
    });
  });

  it('snapshots the directory (relative to the cwd) when the URL is not set', () => {
    const target = backupTargetFor({
      ...base,
      backup: { dir: '.opsloop/data/orders', postgres: { urlEnv: 'DATABASE_URL', schema: 'orders' } },
      env: { DATABASE_URL: '' },
    });
    expect(target).toMatchObject({ method: 'directory', source: '/shop/.opsloop/data/orders' });
  });

  it('says why there is nothing to back up', () => {
    const target = backupTargetFor({
      ...base,
      backup: { postgres: { urlEnv: 'ORDERS_DB', schema: 'orders' } },
      env: {},
    });
    expect(target).toBeInstanceOf(Error);
    expect((target as Error).message).toMatch(/ORDERS_DB is not set in orders's env or injected secrets/);
  });
});
