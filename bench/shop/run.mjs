// `npm run bench:shop`: checkout throughput and latency at rising load until errors appear, on the embedded
// defaults (PGlite + the runtime's bus) and on PostgreSQL + NATS JetStream. Each mode starts the whole shop
// with `opsloop up` on a temporary copy of opsloop.yaml (exposed port 0, its own data), stocks every product,
// signs up users through the gateway, then offers POST /api/checkout at each rate of BENCH_RATES for
// BENCH_STEP_SECONDS (open model: arrivals do not wait for answers). A step "holds" when < 1 % of its
// checkouts fail and at least 95 % of the offered rate completes; the load rises until a step does not
// hold. A step "meets the target" when it holds with p99 < 250 ms (the latency goal). Writes
// bench/results/shop.json ({ embedded: { checkoutsPerSecond, p99Ms }, postgres: { … } }: the highest step
// that met the target) and bench/results/shop-steps.json (every step, and the highest that held).
//
// Env: BENCH_MODES (embedded,postgres), BENCH_RATES (5,10,15,20,25,30,40,50,75,100,150,200,300), BENCH_STEP_SECONDS (10),
// BENCH_USERS (100), BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/postgres), BENCH_NATS_URL
// (nats://127.0.0.1:4222). Loopback only.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createPostgresDatabase,
  dropPostgresDatabase,
  log,
  prepare,
  provenance,
  root,
  startStack,
  step,
} from './shop-harness.mjs';

const modes = (process.env.BENCH_MODES ?? 'embedded,postgres').split(',').filter(Boolean);
const rates = (process.env.BENCH_RATES ?? '5,10,15,20,25,30,40,50,75,100,150,200,300').split(',').map(Number);
const stepSeconds = Number(process.env.BENCH_STEP_SECONDS ?? 10);
const userCount = Number(process.env.BENCH_USERS ?? 100);
const postgresAdminUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const natsUrl = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';

/** The latency goal: a step counts only when its p99 is below this. */
const TARGET_P99_MS = 250;

async function runMode(mode) {
  let database;
  if (mode === 'postgres') database = await createPostgresDatabase(postgresAdminUrl);
  log(`${mode}: starting the shop`);
  const stack = await startStack({ mode, databaseUrl: database?.url, natsUrl });
  const steps = [];
  try {
    const context = await prepare(stack, userCount);
    log(`${mode}: ${context.products.length} products stocked, ${context.tokens.length} users signed in`);
    await step(context, Math.min(10, rates[0]), stepSeconds); // warm-up, not reported
    for (const rate of rates) {
      const result = await step(context, rate, stepSeconds);
      steps.push(result);
      log(
        `${mode}: offered ${rate}/s → ${result.checkoutsPerSecond}/s completed, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, statuses ${JSON.stringify(result.statuses)}`,
      );
      const held = result.failed / result.checkouts < 0.01 && result.checkoutsPerSecond >= rate * 0.95;
      result.held = held;
      result.metTarget = held && result.p99Ms !== null && result.p99Ms < TARGET_P99_MS;
      if (!held) break;
    }
    await context.gateway.close();
  } finally {
    await stack.stop();
    if (database) await dropPostgresDatabase(postgresAdminUrl, database.name);
  }
  const best = steps.filter((s) => s.metTarget).at(-1) ?? null;
  const highestHeld = steps.filter((s) => s.held).at(-1) ?? null;
  return { steps, best, highestHeld };
}

const results = {};
const details = {
  ...provenance(),
  stepSeconds,
  users: userCount,
  modes: {},
};
for (const mode of modes) {
  const { steps, best, highestHeld } = await runMode(mode);
  details.modes[mode] = { steps, highestHeld };
  results[mode] = {
    checkoutsPerSecond: best?.checkoutsPerSecond ?? 0,
    p99Ms: best?.p99Ms ?? null,
  };
}
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/shop.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(root, 'bench/results/shop-steps.json'), `${JSON.stringify(details, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
