// `npm run bench:rollout`: zero-downtime rollouts of a shop service, one strategy after another, under a
// constant keep-alive load THROUGH THE GATEWAY (which balances per request and honours discovery's traffic
// weights; the exposed TCP address balances per connection, so it cannot show a split). `opsloop up` runs
// catalog ×2 + the gateway on a temporary copy of opsloop.yaml (LOG_LEVEL warn, exposed port 0; the gateway's
// response cache and rate limit off, so every request reaches a catalog replica). For each of rolling,
// blueGreen and canary: a warm-up (not measured), a steady "before" phase, then the change (`opsloop apply`
// of a new catalog template with that strategy → `rollout status` complete). Then a bad canary
// (FAULT_ERROR_RATE 0.05) that the canary analysis must roll back by itself.
//
// The load is an open model: BENCH_RATE requests per second whatever the answers (a slow replica cannot
// slow the load down and hide itself), over BENCH_CONNECTIONS keep-alive connections; each latency is
// measured from the request's scheduled time (no coordinated omission). A request is counted in the phase
// it was scheduled in.
//
// `requests` of a strategy = before + during (the before phase lasts BENCH_BEFORE_SECONDS, longer if the
// rate is too low for it alone to reach BENCH_MIN_REQUESTS; meta has each part). `failed` = every answer other than
// 200 and every error, before and during. `seconds` = apply → rollout complete (blue-green: including its
// scale-down delay; meta has apply → traffic switch). badCanary counts only the change (apply → rolled
// back and complete).
//
// Writes bench/results/rollout.json: { rolling|blueGreen|canary: { requests, failed, p99BeforeMs,
// p99DuringMs, seconds }, badCanary: { requests, failed, rolledBack }, meta: {…} }. Log on stderr.
//
// Env: BENCH_RATE (800 /s), BENCH_CONNECTIONS (16), BENCH_WARMUP_SECONDS (10), BENCH_BEFORE_SECONDS (15),
// BENCH_MIN_REQUESTS (10000), BENCH_CHANGE_TIMEOUT_SECONDS (300), BENCH_STRATEGIES
// (rolling,blueGreen,canary,badCanary), BENCH_CANARY_STEPS (10,50), BENCH_CANARY_INTERVAL_SECONDS (10),
// BENCH_CANARY_MIN_REQUESTS (100), BENCH_BG_AUTO_PROMOTION_SECONDS (unset: `opsloop rollout promote` as
// soon as the preview is ready), BENCH_BG_SCALE_DOWN_DELAY_SECONDS (5), BENCH_TIMEOUT_SECONDS (1200: the
// whole run). Loopback only.
import { execFile, execSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, request } from 'undici';
import { parse, stringify } from 'yaml';
import { LatencyHistogram } from '../../packages/loadgen/dist/index.js';
import { numberEnv, spawnUp } from '../shop/shop-harness.mjs';

const root = new URL('../../', import.meta.url).pathname;
const cli = join(root, 'packages/cli/dist/main.js');

const knobs = {
  rate: numberEnv('BENCH_RATE', 800),
  connections: numberEnv('BENCH_CONNECTIONS', 16),
  warmupSeconds: numberEnv('BENCH_WARMUP_SECONDS', 10),
  beforeSeconds: numberEnv('BENCH_BEFORE_SECONDS', 15),
  minRequests: numberEnv('BENCH_MIN_REQUESTS', 10_000),
  changeTimeoutSeconds: numberEnv('BENCH_CHANGE_TIMEOUT_SECONDS', 300),
  strategies: (process.env.BENCH_STRATEGIES ?? 'rolling,blueGreen,canary,badCanary')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
  canarySteps: (process.env.BENCH_CANARY_STEPS ?? '10,50').split(',').map(Number),
  canaryIntervalSeconds: numberEnv('BENCH_CANARY_INTERVAL_SECONDS', 10),
  canaryMinRequests: numberEnv('BENCH_CANARY_MIN_REQUESTS', 100),
  blueGreenAutoPromotionSeconds:
    process.env.BENCH_BG_AUTO_PROMOTION_SECONDS === undefined
      ? undefined
      : numberEnv('BENCH_BG_AUTO_PROMOTION_SECONDS', 0),
  blueGreenScaleDownDelaySeconds: numberEnv('BENCH_BG_SCALE_DOWN_DELAY_SECONDS', 5),
  timeoutSeconds: numberEnv('BENCH_TIMEOUT_SECONDS', 1200),
  badCanaryErrorRate: 0.05,
};
const KNOWN = ['rolling', 'blueGreen', 'canary', 'badCanary'];
for (const s of knobs.strategies) if (!KNOWN.includes(s)) throw new Error(`BENCH_STRATEGIES: unknown ${s}`);
if (knobs.rate <= 0 || knobs.connections < 1) throw new Error('BENCH_RATE and BENCH_CONNECTIONS must be > 0');

/** A catalog page through the gateway's route to catalog. */
const PATH = '/api/products?limit=5';

function log(message) {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

// ---- the stack: `opsloop up` on a temporary copy of the spec, stopped whatever happens -----------------

let stack;

function writeSpec(dir) {
  const spec = parse(readFileSync(join(root, 'opsloop.yaml'), 'utf8'));
  for (const name of Object.keys(spec.services)) {
    if (name !== 'catalog' && name !== 'gateway') delete spec.services[name];
  }
  for (const service of Object.values(spec.services)) {
    service.cwd = root;
    if (service.expose) service.expose.port = 0;
    service.env = { ...(service.env ?? {}), LOG_LEVEL: 'warn' };
    if (Array.isArray(service.dependsOn))
      service.dependsOn = service.dependsOn.filter((d) => d in spec.services);
  }
  // Environments (and the pipeline, which names two) may name only services the spec has: the stack needs
  // none of them.
  delete spec.environments;
  delete spec.pipeline;
  spec.services.catalog.replicas = 2;
  // Every request must reach a catalog replica: no response cache, no per-client rate limit (one client IP).
  Object.assign(spec.services.gateway.env, {
    CACHE_MAX_ENTRIES: '0',
    RATE_LIMIT_RPS: '1000000000',
    RATE_LIMIT_BURST: '1000000000',
  });
  const path = join(dir, 'opsloop.yaml');
  writeFileSync(path, stringify(spec));
  return path;
}

async function startStack() {
  const dir = mkdtempSync(join(tmpdir(), 'opsloop-bench-rollout-'));
  const specPath = writeSpec(dir);
  stack = { dir, specPath };
  const up = await spawnUp(dir, specPath);
  Object.assign(stack, { child: up.child, stop: up.stop, gateway: up.gateway, control: up.control });
  if (!stack.gateway || !stack.control) throw new Error(`no gateway or control address in:\n${up.output()}`);
  stack.token = JSON.parse(readFileSync(join(dir, '.opsloop', 'runtime.json'), 'utf8')).token;
  return stack;
}

/** Stops `opsloop up` (it stops its replicas) and removes the temp dir. Idempotent. */
async function stopStack() {
  const s = stack;
  stack = undefined;
  if (s === undefined) return;
  await s.stop?.();
  rmSync(s.dir, { recursive: true, force: true });
}

// Last resort if this process is going away without the async cleanup having run.
process.on('exit', () => {
  if (stack === undefined) return;
  if (stack.child?.exitCode === null) stack.child.kill('SIGTERM');
  rmSync(stack.dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: stopping the stack`);
    void stopStack().finally(() => process.exit(130));
  });
}

/** Runs an `opsloop` subcommand against the stack (asynchronously: this process keeps the load going). */
function opsloop(...args) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, ...args, '-f', stack.specPath],
      { encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`opsloop ${args.join(' ')}: ${stderr || error.message}`));
        else resolve(stdout);
      },
    );
  });
}

/** GET on the control API (polling through the CLI would start a process per poll, CPU the load needs). */
async function control(path) {
  const response = await request(`${stack.control}${path}`, {
    headers: { authorization: `Bearer ${stack.token}`, accept: 'application/json' },
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`GET ${path}: ${response.statusCode} ${text}`);
  return JSON.parse(text);
}

const rolloutStatus = () => control('/v1/services/catalog/rollout');

async function waitFor(what, check, timeoutMs = knobs.changeTimeoutSeconds * 1000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(200);
  }
}

/** Edits catalog in the spec file and runs `opsloop apply`. */
async function applyCatalog(edit) {
  const spec = parse(readFileSync(stack.specPath, 'utf8'));
  edit(spec.services.catalog);
  writeFileSync(stack.specPath, stringify(spec));
  return opsloop('apply');
}

// ---- the load: open model, phases ----------------------------------------------------------------

function newPhase() {
  return {
    began: performance.now(),
    requests: 0,
    failed: 0,
    statuses: {},
    histogram: new LatencyHistogram(),
    // Per second of the phase (by scheduled time): where in a change the latency and failures are.
    seconds: [],
  };
}

/**
 * Sends BENCH_RATE requests per second until stopped; each is counted in the phase current at its
 * scheduled time. `phase(name)` switches phases; `stop()` waits for the requests in flight.
 */
function startLoad(pool) {
  const phases = new Map();
  let current;
  let stopped = false;
  const inFlight = new Set();
  const began = performance.now();
  let sent = 0;
  const send = (scheduled, phase) => {
    const done = pool
      .request({ method: 'GET', path: PATH, headersTimeout: 30_000, bodyTimeout: 30_000 })
      .then(async (response) => {
        await response.body.dump();
        return String(response.statusCode);
      })
      .catch((error) => error.code ?? error.message)
      .then((status) => {
        if (phase === undefined) return;
        const ms = performance.now() - scheduled;
        phase.requests++;
        phase.histogram.record(ms);
        const second = Math.max(0, Math.floor((scheduled - phase.began) / 1000));
        const slot = (phase.seconds[second] ??= { histogram: new LatencyHistogram(), failed: 0 });
        slot.histogram.record(ms);
        if (status !== '200') slot.failed++;
        if (status !== '200') phase.failed++;
        phase.statuses[status] = (phase.statuses[status] ?? 0) + 1;
      });
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };
  const loop = (async () => {
    while (!stopped) {
      const due = Math.floor(((performance.now() - began) * knobs.rate) / 1000);
      for (; sent < due; sent++) send(began + (sent * 1000) / knobs.rate, current);
      await sleep(2);
    }
  })();
  return {
    phase(name) {
      current = name === undefined ? undefined : newPhase();
      if (name !== undefined) phases.set(name, current);
      return current;
    },
    get(name) {
      return phases.get(name);
    },
    async stop() {
      stopped = true;
      await loop;
      await Promise.all([...inFlight]);
    },
  };
}

const round = (x, digits = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : null);

function summaryOf(phase) {
  const s = phase.histogram.summary();
  return {
    requests: phase.requests,
    failed: phase.failed,
    statuses: phase.statuses,
    p50Ms: round(s.p50, 2),
    p99Ms: round(s.p99, 2),
    maxMs: round(s.max, 2),
  };
}

/** The phase second by second: [requests, failed, p99 ms]. */
function timelineOf(phase) {
  return Array.from(phase.seconds, (slot) =>
    slot === undefined
      ? [0, 0, null]
      : [slot.histogram.count, slot.failed, round(slot.histogram.percentile(99), 1)],
  );
}

// ---- the strategies -------------------------------------------------------------------------------

let mark = 0;

function strategySpec(name) {
  if (name === 'rolling')
    return { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
  if (name === 'blueGreen')
    return {
      type: 'BlueGreen',
      blueGreen: {
        scaleDownDelaySeconds: knobs.blueGreenScaleDownDelaySeconds,
        ...(knobs.blueGreenAutoPromotionSeconds === undefined
          ? {}
          : { autoPromotionSeconds: knobs.blueGreenAutoPromotionSeconds }),
      },
    };
  return {
    type: 'Canary',
    canary: {
      steps: knobs.canarySteps,
      analysis: { intervalSeconds: knobs.canaryIntervalSeconds, minRequests: knobs.canaryMinRequests },
    },
  };
}

/** Applies a new catalog template with strategy `name`; resolves at the end of the change. */
async function change(name) {
  const before = await rolloutStatus();
  if (!before.complete) throw new Error(`catalog's rollout is not complete before ${name}`);
  const { last: eventsBefore } = await control('/v1/events?service=catalog');
  const startedAt = performance.now();
  mark++;
  await applyCatalog((catalog) => {
    catalog.strategy = strategySpec(name);
    catalog.env = {
      ...catalog.env,
      ROLLOUT_MARK: `bench-${mark}-${name}`,
      ...(name === 'badCanary' ? { FAULT_ERROR_RATE: String(knobs.badCanaryErrorRate) } : {}),
    };
    // The bad canary is rolled back in the runtime; the file must not keep it for the next apply.
    if (name !== 'badCanary') delete catalog.env.FAULT_ERROR_RATE;
  });
  const result = { name, from: before.revision };
  if (name === 'blueGreen' && knobs.blueGreenAutoPromotionSeconds === undefined) {
    await waitFor('the blue-green preview', async () => {
      const now = await rolloutStatus();
      return now.progress?.phase === 'waiting-for-promotion' ? now : undefined;
    });
    result.previewReadySeconds = round((performance.now() - startedAt) / 1000, 2);
    await opsloop('rollout', 'promote', 'catalog');
  }
  const weights = [];
  const end = await waitFor(`the ${name} rollout to end`, async () => {
    const now = await rolloutStatus();
    const weight = now.progress?.weight;
    if (weight !== undefined && weights.at(-1) !== weight) weights.push(weight);
    if (result.switchedSeconds === undefined && now.lastOutcome?.other === before.revision)
      result.switchedSeconds = round((performance.now() - startedAt) / 1000, 2);
    if (!now.complete) return undefined;
    if (name === 'badCanary') return now.lastOutcome?.result === 'aborted' ? now : undefined;
    return now.revision !== before.revision && now.stableRevision === now.revision ? now : undefined;
  });
  result.seconds = round((performance.now() - startedAt) / 1000, 2);
  result.to = end.revision;
  result.weights = weights;
  result.outcome = end.lastOutcome;
  if (name !== 'rolling') {
    const { events } = await control(`/v1/events?service=catalog&after=${eventsBefore}`);
    result.analyses = events
      .filter((e) => e.type === 'rollout-analysis')
      .map((e) => ({ weight: e.weight, verdict: e.verdict, summary: e.summary }));
  }
  return result;
}

async function measure(name, pool) {
  const load = startLoad(pool);
  try {
    log(`${name}: warm-up ${knobs.warmupSeconds} s at ${knobs.rate}/s`);
    load.phase(undefined);
    await sleep(knobs.warmupSeconds * 1000);
    if (name !== 'badCanary') {
      const before = load.phase('before');
      const beganBefore = performance.now();
      // BENCH_BEFORE_SECONDS, longer if the rate is too low for BENCH_MIN_REQUESTS: whatever the change
      // adds, before + during then reach it.
      while (
        performance.now() - beganBefore < knobs.beforeSeconds * 1000 ||
        before.requests < knobs.minRequests
      )
        await sleep(100);
    }
    const during = load.phase('during');
    log(`${name}: apply`);
    const result = await change(name);
    load.phase(undefined);
    await load.stop();
    result.during = summaryOf(during);
    result.timeline = timelineOf(during);
    if (name !== 'badCanary') result.before = summaryOf(load.get('before'));
    log(
      `${name}: ${result.seconds} s, during ${result.during.requests} requests, ${result.during.failed} failed, ` +
        `p99 ${result.during.p99Ms} ms${result.before ? ` (before ${result.before.p99Ms} ms)` : ''}`,
    );
    return result;
  } finally {
    await load.stop();
  }
}

function table(results) {
  const rows = [['strategy', 'requests', 'failed', 'p99 before ms', 'p99 during ms', 'ratio', 'seconds']];
  for (const name of ['rolling', 'blueGreen', 'canary']) {
    const r = results[name];
    if (!r) continue;
    const ratio = r.p99BeforeMs ? round(r.p99DuringMs / r.p99BeforeMs, 2) : null;
    rows.push([name, r.requests, r.failed, r.p99BeforeMs, r.p99DuringMs, ratio, r.seconds]);
  }
  if (results.badCanary) {
    const b = results.badCanary;
    rows.push([
      'badCanary',
      b.requests,
      b.failed,
      '',
      '',
      '',
      b.rolledBack ? 'rolled back' : 'NOT rolled back',
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i] ?? '').length)));
  return rows
    .map((row) => row.map((cell, i) => String(cell ?? '').padStart(widths[i])).join('  '))
    .join('\n');
}

async function main() {
  const loadBefore = loadavg()[0];
  log(`starting catalog ×2 + gateway`);
  await startStack();
  const pool = new Pool(stack.gateway, { connections: knobs.connections });
  const results = {};
  const details = {};
  try {
    for (const name of knobs.strategies) {
      const r = await measure(name, pool);
      details[name] = r;
      if (name === 'badCanary') {
        results.badCanary = {
          requests: r.during.requests,
          failed: r.during.failed,
          rolledBack: r.outcome?.result === 'aborted' && r.to === r.from,
        };
      } else {
        results[name] = {
          requests: r.before.requests + r.during.requests,
          failed: r.before.failed + r.during.failed,
          p99BeforeMs: r.before.p99Ms,
          p99DuringMs: r.during.p99Ms,
          seconds: r.seconds,
        };
      }
    }
  } finally {
    await pool.close();
    await stopStack();
  }
  const output = {
    ...results,
    meta: {
      benchmark: 'rollout',
      date: new Date().toISOString(),
      commit: execSync('git rev-parse --short HEAD', { cwd: root, encoding: 'utf8' }).trim(),
      machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
      machineLoad: { before: round(loadBefore, 2), after: round(loadavg()[0], 2) },
      knobs,
      load: `open model, ${knobs.rate} GET ${PATH}/s through the gateway over ${knobs.connections} keep-alive connections; latency from the scheduled send time`,
      requests: 'rolling/blueGreen/canary: before + during (apply → complete); badCanary: during only',
      strategies: details,
    },
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/rollout.json'), `${JSON.stringify(output, null, 2)}\n`);
  console.log(table(results));
}

const overall = setTimeout(() => {
  log(`the whole run took over ${knobs.timeoutSeconds} s: stopping`);
  void stopStack().finally(() => process.exit(1));
}, knobs.timeoutSeconds * 1000);
overall.unref();

try {
  await main();
} catch (error) {
  log(`failed: ${error instanceof Error ? error.stack : String(error)}`);
  await stopStack();
  process.exitCode = 1;
}
clearTimeout(overall);
