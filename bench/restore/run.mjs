// `npm run bench:restore`: what a restore costs and what it loses. `opsloop up` runs the whole shop (PGlite,
// telemetry off, LOG_LEVEL warn) from a copy of opsloop.yaml whose data lives in its own directory. Buyers place
// orders through the gateway at a light open-loop rate; `opsloop backup create` backs every service up while they
// do; more orders; then the disaster: the replicas of orders, payments and inventory are killed and their data
// directories deleted. `opsloop backup restore <id> --service orders --service payments --service inventory --yes`
// brings them back.
//
// RTO = restore start → the gateway answers GET /api/orders/{id} (200) for the last order placed before the
// backup. RPO = disaster → the backup's capture of orders (its copy, taken with the replica paused);
// ordersLostAfterBackup = orders answered 201 after the backup returned that GET /api/orders/{id} no longer
// finds (404). ordersMissingBeforeBackup must be 0: an order answered before the backup started and missing is
// a broken backup. Orders placed while the backup ran are counted apart (either side is right).
//
// Writes bench/results/restore.json: { date, commit, machine, runs: [{ rpoSeconds, rtoSeconds,
// ordersLostAfterBackup, backupSeconds, pausedMsMax, bytes, … }] }. Log on stderr.
// Env: BENCH_RUNS (1), BENCH_RATE (4 orders/s), BENCH_BEFORE_SECONDS (15), BENCH_AFTER_SECONDS (10).
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { parse, stringify } from 'yaml';
import { log, numberEnv, prepare, provenance, root, spawnUp } from '../shop/shop-harness.mjs';

const knobs = {
  runs: numberEnv('BENCH_RUNS', 1),
  rate: numberEnv('BENCH_RATE', 4),
  beforeSeconds: numberEnv('BENCH_BEFORE_SECONDS', 15),
  afterSeconds: numberEnv('BENCH_AFTER_SECONDS', 10),
};
const cli = join(root, 'packages/cli/dist/main.js');
const DAMAGED = ['orders', 'payments', 'inventory'];

const opsloop = (specPath, ...args) =>
  new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [cli, ...args, '-f', specPath],
      { maxBuffer: 1e8, timeout: 900_000 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`opsloop ${args.join(' ')}: ${stderr.trim() || error.message}`))
          : resolve(stdout),
    ),
  );

/** The shop's spec with its data under `dataDir` (inside the repo: `backup.dir` is relative to the cwd). */
function writeSpec(dir, dataRelative) {
  const spec = parse(readFileSync(join(root, 'opsloop.yaml'), 'utf8'));
  for (const [name, service] of Object.entries(spec.services)) {
    service.cwd = root;
    if (service.expose) service.expose.port = 0;
    service.env = { ...(service.env ?? {}), LOG_LEVEL: 'warn', OTEL_SDK_DISABLED: 'true' };
    if (service.env.DATA_DIR !== undefined) {
      service.env.DATA_DIR = join(root, dataRelative);
      service.backup = { dir: `${dataRelative}/${name}` };
    }
  }
  spec.runtime = {
    ...(spec.runtime ?? {}),
    telemetry: { enabled: false },
    backups: { intervalMinutes: 0, dir: 'backups' },
  };
  const path = join(dir, 'opsloop.yaml');
  writeFileSync(path, stringify(spec));
  return path;
}

async function call(gateway, method, path, token, body, headers = {}) {
  try {
    const response = await request(`${gateway}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
    const text = await response.body.text();
    return { status: response.statusCode, body: text === '' ? undefined : JSON.parse(text) };
  } catch (error) {
    return { status: error.code ?? 'error' };
  }
}

/** Open-loop orders at `rate`/s while `running()`; every 201 is recorded with its time and buyer. */
function placeOrders(context, gateway, rate, running, placed) {
  const inFlight = [];
  return (async () => {
    for (let i = 0; running(); i++) {
      const token = context.tokens[i % context.tokens.length];
      const product = context.products[i % context.products.length];
      const sent = Date.now();
      inFlight.push(
        call(
          gateway,
          'POST',
          '/api/checkout',
          token,
          { lines: [{ productId: product.id, quantity: 1 }] },
          {
            'idempotency-key': randomUUID(),
          },
        ).then((answer) => {
          if (answer.status === 201)
            placed.push({ orderId: answer.body.orderId, token, sentAt: sent, answeredAt: Date.now() });
        }),
      );
      await sleep(1000 / rate);
    }
    await Promise.all(inFlight);
  })();
}

async function oneRun(index) {
  const dir = mkdtempSync(join(tmpdir(), 'opsloop-bench-restore-'));
  const dataRelative = `.opsloop/bench-restore/${Date.now()}-${index}/data`;
  mkdirSync(join(root, dataRelative), { recursive: true });
  const specPath = writeSpec(dir, dataRelative);
  log(`run ${index + 1}: starting the shop (${dir})`);
  const up = await spawnUp(dir, specPath);
  try {
    const status = JSON.parse(await opsloop(specPath, 'status', '-o', 'json'));
    const urlOf = (name) => status.services.find((s) => s.name === name)?.replicas.find((r) => r.ready)?.url;
    const context = await prepare({ gateway: up.gateway, inventory: urlOf('inventory') }, 4);
    const placed = [];
    let phase = 'before';
    const load = placeOrders(context, up.gateway, knobs.rate, () => phase !== 'stop', placed);
    await sleep(knobs.beforeSeconds * 1000);

    const backupStarted = Date.now();
    const backup = JSON.parse(await opsloop(specPath, 'backup', 'create', '-o', 'json'));
    const backupReturned = Date.now();
    log(`backup ${backup.id} in ${backup.tookMs} ms`);
    await sleep(knobs.afterSeconds * 1000);
    phase = 'stop';
    await load;

    // The disaster: three stateful services lose their process and their data.
    const disasterAt = Date.now();
    const live = JSON.parse(await opsloop(specPath, 'status', '-o', 'json'));
    for (const name of DAMAGED) {
      for (const replica of live.services.find((s) => s.name === name).replicas) {
        if (replica.pid === null) continue;
        try {
          process.kill(-replica.pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      rmSync(join(root, dataRelative, name), { recursive: true, force: true });
    }
    log(`disaster: ${DAMAGED.join(', ')} killed and their data deleted`);

    const before = placed.filter((o) => o.answeredAt < backupStarted);
    const during = placed.filter((o) => o.answeredAt >= backupStarted && o.sentAt <= backupReturned);
    const after = placed.filter((o) => o.sentAt > backupReturned);
    const probe = before.at(-1);
    const restoreStarted = Date.now();
    const restoring = opsloop(
      specPath,
      'backup',
      'restore',
      backup.id,
      ...DAMAGED.flatMap((s) => ['--service', s]),
      '--yes',
      '-o',
      'json',
    );
    let restored;
    void restoring.then((out) => (restored = JSON.parse(out)));
    let rtoMs;
    for (;;) {
      const answer = await call(up.gateway, 'GET', `/api/orders/${probe.orderId}`, probe.token);
      // Answering is not enough (the killed service restarts on empty data): the restored order must be there.
      if (answer.status === 200 && restored !== undefined) {
        rtoMs = Date.now() - restoreStarted;
        break;
      }
      if (Date.now() - restoreStarted > 600_000)
        throw new Error('no answer 10 min after the restore started');
      await sleep(100);
    }
    await restoring;
    const exists = async (o) =>
      (await call(up.gateway, 'GET', `/api/orders/${o.orderId}`, o.token)).status === 200;
    const count = async (list) => (await Promise.all(list.map(exists))).filter(Boolean).length;
    const keptBefore = await count(before);
    const keptDuring = await count(during);
    const keptAfter = await count(after);
    const again = await call(
      up.gateway,
      'POST',
      '/api/checkout',
      context.tokens[0],
      {
        lines: [{ productId: context.products[0].id, quantity: 1 }],
      },
      { 'idempotency-key': randomUUID() },
    );
    const orders = backup.services.orders;
    const run = {
      rpoSeconds: Math.round((disasterAt - Date.parse(orders.capturedAt)) / 100) / 10,
      rtoSeconds: Math.round(rtoMs / 100) / 10,
      ordersLostAfterBackup: after.length - keptAfter,
      ordersAfterBackup: after.length,
      ordersMissingBeforeBackup: before.length - keptBefore,
      ordersBeforeBackup: before.length,
      ordersDuringBackup: during.length,
      ordersDuringBackupKept: keptDuring,
      backupSeconds: Math.round(backup.tookMs / 100) / 10,
      pausedMsMax: Math.max(...Object.values(backup.services).map((s) => s.pausedMs ?? 0)),
      bytes: Object.values(backup.services).reduce((sum, s) => sum + (s.bytes ?? 0), 0),
      restoreSeconds: Math.round(restored.tookMs / 100) / 10,
      restoredServices: Object.fromEntries(
        restored.services.map((s) => [s.service, Math.round(s.tookMs / 100) / 10]),
      ),
      checkoutAfterRestore: again.status,
    };
    log(`run ${index + 1}: ${JSON.stringify(run)}`);
    return run;
  } finally {
    await up.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(root, dataRelative, '..'), { recursive: true, force: true });
    try {
      rmdirSync(join(root, '.opsloop/bench-restore'));
    } catch {
      // Another run's data is still there.
    }
  }
}

const runs = [];
for (let i = 0; i < knobs.runs; i++) runs.push(await oneRun(i));
const results = { ...provenance(), knobs, runs };
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/restore.json'), `${JSON.stringify(results, null, 2)}\n`);
console.table(runs.map(({ restoredServices: _r, ...run }) => run));
