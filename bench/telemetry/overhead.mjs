// What leaving telemetry on costs the shop: the same load on the embedded shop with telemetry on (the
// defaults: every request traced, every replica scraped every 5 s, every log line stored) and off (tracing
// disabled in the services with OTEL_SDK_DISABLED, the runtime's telemetry backend disabled in the spec).
// Each round starts the shop fresh in both settings (alternating which goes first) and measures, after a
// warm-up:
//   - throughput: checkouts/s completed by BENCH_OVERHEAD_BUYERS closed-loop buyers (each checks out again as
//     soon as the last answer came) — the capacity at that concurrency;
//   - latency: p99 of checkouts offered open-loop at BENCH_OVERHEAD_RATE/s — below capacity, so queueing
//     does not swamp what telemetry adds per request.
// The result is the median over BENCH_OVERHEAD_ROUNDS rounds of the on-vs-off difference of each round.
//
// Run alone: `node bench/telemetry/overhead.mjs` (after `npm run build`) updates only the overhead fields of
// bench/results/telemetry.json; `npm run bench:telemetry` runs it after the storage and query parts.
// Env: BENCH_OVERHEAD_ROUNDS (3), BENCH_OVERHEAD_BUYERS (8), BENCH_OVERHEAD_RATE (8), BENCH_OVERHEAD_SECONDS
// (40), BENCH_USERS (40). Loopback only.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closedLoop, log, prepare, provenance, root, startStack, step } from '../shop/shop-harness.mjs';

const rounds = Number(process.env.BENCH_OVERHEAD_ROUNDS ?? 3);
const buyers = Number(process.env.BENCH_OVERHEAD_BUYERS ?? 8);
const rate = Number(process.env.BENCH_OVERHEAD_RATE ?? 8);
const seconds = Number(process.env.BENCH_OVERHEAD_SECONDS ?? 40);
const users = Number(process.env.BENCH_USERS ?? 40);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round1 = (x) => Math.round(x * 10) / 10;

async function measure(telemetry) {
  const stack = await startStack({ mode: 'embedded', telemetry });
  try {
    const context = await prepare(stack, users);
    await closedLoop(context, buyers, 10); // warm-up: JIT, connection pools, caches
    const closed = await closedLoop(context, buyers, seconds);
    const open = await step(context, rate, seconds);
    await context.gateway.close();
    return { telemetry, closed, open };
  } finally {
    await stack.stop();
  }
}

/** Runs the rounds; returns `{ throughputLossPct, p99IncreasePct, details }`. */
export async function measureOverhead() {
  const runs = [];
  const losses = [];
  const increases = [];
  for (let r = 0; r < rounds; r += 1) {
    const order = r % 2 === 0 ? [false, true] : [true, false];
    const round = {};
    for (const telemetry of order) {
      log(`overhead round ${r + 1}/${rounds}: telemetry ${telemetry ? 'on' : 'off'}`);
      const result = await measure(telemetry);
      log(
        `  closed loop (${buyers} buyers) ${result.closed.checkoutsPerSecond}/s p99 ${result.closed.p99Ms} ms;` +
          ` open loop ${rate}/s p99 ${result.open.p99Ms} ms, statuses ${JSON.stringify(result.open.statuses)}`,
      );
      round[telemetry ? 'on' : 'off'] = result;
    }
    runs.push(round);
    const { on, off } = round;
    losses.push(
      ((off.closed.checkoutsPerSecond - on.closed.checkoutsPerSecond) / off.closed.checkoutsPerSecond) * 100,
    );
    increases.push(((on.open.p99Ms - off.open.p99Ms) / off.open.p99Ms) * 100);
  }
  return {
    throughputLossPct: round1(median(losses)),
    p99IncreasePct: round1(median(increases)),
    details: {
      ...provenance(),
      rounds,
      buyers,
      openLoopRate: rate,
      seconds,
      perRound: runs.map((round, i) => ({
        throughputLossPct: round1(losses[i]),
        p99IncreasePct: round1(increases[i]),
        off: { closed: round.off.closed, open: round.off.open },
        on: { closed: round.on.closed, open: round.on.open },
      })),
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const overhead = await measureOverhead();
  const file = join(root, 'bench/results/telemetry.json');
  const result = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  result.throughputLossPct = overhead.throughputLossPct;
  result.p99IncreasePct = overhead.p99IncreasePct;
  result.details = { ...(result.details ?? {}), overhead: overhead.details };
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`throughput loss ${overhead.throughputLossPct} %, p99 increase ${overhead.p99IncreasePct} %`);
}
