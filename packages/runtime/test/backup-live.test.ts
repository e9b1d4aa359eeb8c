import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSpec } from '../src/spec/load-spec.js';
import { killGroup, waitFor } from './fake-service.js';
import { startLiveRuntime, type LiveRuntime } from './live-runtime.js';

const LEDGER = fileURLToPath(new URL('./backup-fixture-service.mjs', import.meta.url));

/**
 * A backup and a restore end to end: a PGlite service written continuously, a backup through the control API
 * (its replica paused while the files are copied), a disaster (the replica killed and its data deleted), then a
 * restore through the control API. It must come back with exactly the writes acknowledged up to the backup.
 */
describe('backup and restore in a live runtime', () => {
  let live: LiveRuntime;

  beforeAll(async () => {
    live = await startLiveRuntime(
      'backup',
      () =>
        parseSpec(`apiVersion: opsloop.dev/v1alpha1
kind: System
metadata: { name: backup }
runtime:
  bus: "off"
  telemetry: { enabled: false }
  backups: { intervalMinutes: 0, dir: backups }
services:
  ledger:
    command: ${JSON.stringify([process.execPath, LEDGER])}
    replicas: 1
    drainSeconds: 1
    env: { DATA_DIR: data }
    backup: { dir: data/ledger }
    probes:
      readiness: { path: /readyz, periodSeconds: 1 }
`),
      35_000,
    );
  }, 40_000);

  afterAll(async () => {
    await live?.stop();
  }, 30_000);

  const control = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const response = await request(`${live.result.controlUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${live.runtime.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
    return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
  };
  const replica = () => live.runtime.status().services.find((s) => s.name === 'ledger')!.replicas[0]!;
  const rows = async (): Promise<{ seq: number; at: number }[]> => {
    const response = await request(`${replica().url}/rows`, { headersTimeout: 5_000, bodyTimeout: 5_000 });
    if (response.statusCode !== 200) throw new Error(`GET /rows answered ${response.statusCode}`);
    return ((await response.body.json()) as { rows: { seq: number; at: number }[] }).rows;
  };

  it('restores exactly the writes acknowledged before the backup', { timeout: 45_000 }, async () => {
    expect(live.result.ready).toBe(true);
    const acked: { seq: number; at: number }[] = [];
    let writing = true;
    const writer = (async () => {
      for (let seq = 1; writing; seq++) {
        const url = replica().url;
        const response = await request(`${url}/write`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ seq }),
          headersTimeout: 15_000,
        });
        await response.body.dump();
        if (response.statusCode !== 200) throw new Error(`POST /write answered ${response.statusCode}`);
        acked.push({ seq, at: Date.now() });
      }
    })();
    await waitFor('the first writes', () => acked.length >= 50, 10_000);
    const ackedBeforeBackup = acked.length;
    const backup = await control('POST', '/v1/backups');
    const ackedAfterBackup = acked.length;
    expect(backup.status).toBe(201);
    const id = backup.body.id as string;
    const ledger = (
      backup.body.services as Record<string, { pausedMs: number; bytes: number; fileCount: number }>
    ).ledger!;
    expect(ledger.fileCount).toBeGreaterThan(0);
    await waitFor('writes after the backup', () => acked.length >= ackedAfterBackup + 30, 10_000);
    writing = false;
    await writer;

    // The disaster: the replica dies and its data with it.
    const disasterAt = Date.now();
    killGroup(replica().pid!);
    await rm(join(live.dir, 'data', 'ledger'), { recursive: true, force: true });

    const restoreStarted = Date.now();
    const restore = await control('POST', `/v1/backups/${id}/restore`, {});
    expect(restore.status).toBe(200);
    const restored = await rows();
    const rto = Date.now() - restoreStarted;

    const seqs = restored.map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(seqs.length).toBeGreaterThanOrEqual(ackedBeforeBackup);
    expect(seqs.length).toBeLessThanOrEqual(ackedAfterBackup);
    const newest = restored.at(-1)!;
    const rpo = disasterAt - newest.at;
    console.log(
      `backup-live: backup ${id} paused the writer ${ledger.pausedMs} ms for ${(ledger.bytes / 1e6).toFixed(1)} MB; ` +
        `restored ${seqs.length} writes (acknowledged: ${ackedBeforeBackup} before the backup, ${acked.length} in all); ` +
        `RPO ${(rpo / 1000).toFixed(2)} s (disaster - newest restored write), RTO ${(rto / 1000).toFixed(2)} s (restore request - service answering)`,
    );
    const event = live.events.find((e) => e.type === 'backup' && e.phase === 'restored');
    expect(event).toMatchObject({ id, service: 'ledger' });
    const aside = (restore.body.services as { movedAside: string | null }[])[0]!.movedAside;
    // The runtime restarted the killed replica on empty data: that data is kept aside, not deleted.
    if (aside !== null) expect(aside).toContain(`ledger.before-restore-${id}`);
  });
});
