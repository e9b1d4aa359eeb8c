// The shop under load, shared by the benchmarks: start the whole shop with `opsloop up` on a temporary copy of
// opsloop.yaml (exposed port 0, its own data: PGlite + the runtime's bus, or PostgreSQL + NATS), stock every
// product, sign users in through the gateway, then offer checkouts open-loop at a rate (`step`) or
// closed-loop from a fixed number of buyers (`closedLoop`). Loopback only.
import { spawn, execSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, stringify } from 'yaml';
import { Pool } from 'undici';
import pg from 'pg';
import { LatencyHistogram } from '../../packages/loadgen/dist/index.js';

export const root = new URL('../../', import.meta.url).pathname;

/** A benchmark knob from the environment: a number ≥ 0, or `fallback` when unset; anything else throws. */
export const numberEnv = (name, fallback) => {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name}: expected a number ≥ 0, got ${raw}`);
  return value;
};
const DB_SERVICES_ENV = 'DATA_DIR';

export function log(message) {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

/** Date, commit and machine, for every results file. */
export function provenance() {
  return {
    date: new Date().toISOString(),
    commit: execSync('git rev-parse --short HEAD', { cwd: root, encoding: 'utf8' }).trim(),
    machine: `${cpus().length}× ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  };
}

export async function createPostgresDatabase(adminUrl) {
  const name = `bench_shop_${Date.now()}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

export async function dropPostgresDatabase(adminUrl, name) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists ${name} with (force)`);
  } finally {
    await client.end();
  }
}

/**
 * opsloop.yaml for a benchmark run. `telemetry: false` turns off what telemetry costs: tracing in every service
 * (`OTEL_SDK_DISABLED`, the OpenTelemetry switch) and the runtime's scraping, log store and OTLP receiver.
 */
function writeSpec(dir, { mode, databaseUrl, natsUrl, telemetry = true }) {
  const spec = parse(readFileSync(join(root, 'opsloop.yaml'), 'utf8'));
  for (const service of Object.values(spec.services)) {
    service.cwd = root;
    if (service.expose) service.expose.port = 0;
    service.env = { ...(service.env ?? {}), LOG_LEVEL: 'warn' };
    if (service.env[DB_SERVICES_ENV] !== undefined) {
      if (mode === 'postgres') {
        delete service.env[DB_SERVICES_ENV];
        service.env.DATABASE_URL = databaseUrl;
      } else {
        service.env[DB_SERVICES_ENV] = join(dir, 'data');
      }
    }
    if (mode === 'postgres') service.env.NATS_URL = natsUrl;
    if (!telemetry) service.env.OTEL_SDK_DISABLED = 'true';
    // The data moved out of the repository, and a backup pauses replicas: none in a throughput run.
    delete service.backup;
  }
  if (!telemetry) {
    spec.runtime = { ...(spec.runtime ?? {}) };
    spec.runtime.telemetry = { ...(spec.runtime.telemetry ?? {}), enabled: false };
  }
  const path = join(dir, 'opsloop.yaml');
  writeFileSync(path, stringify(spec));
  return path;
}

/**
 * Runs `opsloop up -f <specPath> --no-logs` in `dir` and resolves once it says it is ready (180 s at most):
 * its output so far, the gateway and control addresses it printed, and `stop()` (SIGTERM, SIGKILL after 30 s;
 * idempotent).
 */
export async function spawnUp(dir, specPath) {
  const child = spawn(
    process.execPath,
    [join(root, 'packages/cli/dist/main.js'), 'up', '-f', specPath, '--no-logs'],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk.toString()));
  child.stderr.on('data', (chunk) => (out += chunk.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killed = await Promise.race([exited.then(() => false), sleep(30_000).then(() => true)]);
      if (killed) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  };
  const deadline = Date.now() + 180_000;
  while (!/is ready in/.test(out)) {
    if (child.exitCode !== null) throw new Error(`opsloop up exited ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`opsloop up was not ready within 180 s:\n${out}`);
    }
    await sleep(100);
  }
  return {
    child,
    output: () => out,
    gateway: /^gateway: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)?.[1],
    control: /^control: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)?.[1],
    stop,
  };
}

/** Starts the shop (see `writeSpec`); `stop()` stops it and removes its directory. */
export async function startStack(options) {
  const dir = mkdtempSync(join(tmpdir(), `opsloop-bench-shop-${options.mode}-`));
  const specPath = writeSpec(dir, options);
  const up = await spawnUp(dir, specPath);
  const status = JSON.parse(
    execSync(`node ${join(root, 'packages/cli/dist/main.js')} status -o json -f ${specPath}`, {
      encoding: 'utf8',
    }),
  );
  const urlOf = (name) => status.services.find((s) => s.name === name)?.replicas.find((r) => r.ready)?.url;
  return {
    dir,
    pid: up.child.pid,
    gateway: up.gateway,
    inventory: urlOf('inventory'),
    async stop() {
      await up.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function json(pool, method, path, body, headers = {}) {
  const response = await pool.request({
    method,
    path,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: text === '' ? undefined : JSON.parse(text) };
}

async function allProducts(gateway) {
  const products = [];
  let cursor;
  do {
    const query = `/api/products?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await json(gateway, 'GET', query);
    if (page.status !== 200) throw new Error(`GET ${query}: ${page.status}`);
    products.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return products;
}

/** Stocks every product and signs `userCount` buyers in; the context `step` and `closedLoop` take. */
export async function prepare(stack, userCount) {
  const gateway = new Pool(stack.gateway, { connections: 64 });
  const inventory = new Pool(stack.inventory, { connections: 8 });
  const products = await allProducts(gateway);
  for (const product of products) {
    const result = await json(inventory, 'PUT', `/api/inventory/${product.id}`, { onHand: 1_000_000 });
    if (result.status !== 200) throw new Error(`stocking ${product.id}: ${result.status}`);
  }
  const runId = randomUUID().slice(0, 8);
  const tokens = [];
  for (let start = 0; start < userCount; start += 2) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(2, userCount - start) }, async (_, i) => {
        const email = `bench-${runId}-${start + i}@example.com`;
        const password = `bench-password-${runId}`;
        const signup = await json(gateway, 'POST', '/api/users', {
          email,
          password,
          name: `Bench ${start + i}`,
        });
        if (signup.status !== 201)
          throw new Error(`sign-up: ${signup.status} ${JSON.stringify(signup.body)}`);
        const login = await json(gateway, 'POST', '/api/users/login', { email, password });
        if (login.status !== 200) throw new Error(`login: ${login.status}`);
        return login.body.accessToken;
      }),
    );
    tokens.push(...batch);
  }
  await inventory.close();
  return { gateway, products, tokens };
}

function checkout(context, i) {
  const token = context.tokens[i % context.tokens.length];
  const product = context.products[Math.floor(Math.random() * context.products.length)];
  return json(
    context.gateway,
    'POST',
    '/api/checkout',
    { lines: [{ productId: product.id, quantity: 1 }] },
    { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
  )
    .then((r) => String(r.status))
    .catch((error) => error.code ?? 'error');
}

function summarise(histogram, outcomes, total, seconds) {
  const completed = outcomes.get('201') ?? 0;
  const summary = histogram.summary();
  return {
    checkouts: total,
    completed,
    failed: total - completed,
    checkoutsPerSecond: Math.round((completed / seconds) * 10) / 10,
    p50Ms: summary.count > 0 ? Math.round(summary.p50 * 10) / 10 : null,
    p99Ms: summary.count > 0 ? Math.round(summary.p99 * 10) / 10 : null,
    statuses: Object.fromEntries(outcomes),
  };
}

/** Open model: `rate` checkouts a second for `seconds`, arrivals not waiting for answers. */
export async function step(context, rate, seconds) {
  const histogram = new LatencyHistogram();
  const outcomes = new Map();
  const total = Math.round(rate * seconds);
  const began = performance.now();
  const inFlight = [];
  for (let i = 0; i < total; i++) {
    const due = began + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const sent = performance.now();
    inFlight.push(
      checkout(context, i).then((status) => {
        if (status === '201') histogram.record(performance.now() - sent);
        outcomes.set(status, (outcomes.get(status) ?? 0) + 1);
      }),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - began) / 1000;
  return { offeredPerSecond: rate, ...summarise(histogram, outcomes, total, elapsed) };
}

/** Closed model: `buyers` each check out again as soon as the last answer came, for `seconds`. */
export async function closedLoop(context, buyers, seconds) {
  const histogram = new LatencyHistogram();
  const outcomes = new Map();
  const began = performance.now();
  const endAt = began + seconds * 1000;
  let total = 0;
  await Promise.all(
    Array.from({ length: buyers }, async (_, buyer) => {
      for (let i = buyer; performance.now() < endAt; i += buyers) {
        total += 1;
        const sent = performance.now();
        const status = await checkout(context, i);
        if (status === '201') histogram.record(performance.now() - sent);
        outcomes.set(status, (outcomes.get(status) ?? 0) + 1);
      }
    }),
  );
  const elapsed = (performance.now() - began) / 1000;
  return { buyers, ...summarise(histogram, outcomes, total, elapsed) };
}
