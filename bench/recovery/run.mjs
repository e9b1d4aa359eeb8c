// `npm run bench:recovery`: the AIOps closed loop measured on the real shop. `opsloop up` runs the whole shop
// (a temporary copy of opsloop.yaml: exposed port 0, its own data, live detection every BENCH_DETECT_INTERVAL
// seconds, remediation `auto`) under steady user journeys from the load generator (packages/loadgen, open
// model, BENCH_RATE journeys/s). After a warm-up (the detectors learn: BENCH_WARMUP_MINUTES), a no-fault soak of
// BENCH_SOAK_MINUTES at varying load, with a normal deploy and a scale event in it, counts false incidents
// and false actions. Then, for each fault of the library (BENCH_FAULTS), it injects the fault through the
// control API (as `opsloop chaos inject` does) and measures:
//   detectSeconds  injection → the first incident opened after it (`GET /v1/incidents`), an earlier one
//                  reopened, or the first symptom on the target joining one still active (`joined`)
//   top1 / top3    the incident's ranked root causes hold the expected (service, kind) first / in the top 3
//                  (the expected cause of each fault is in the fault catalogue: packages/chaos)
//   action         the first remediation action taken (`<type> <target>`), or none
//   recoverSeconds injection → the start of the first 30 s in which every 10 s window of the load generator's
//                  requests (what users see) is within the SLO: ≤ 1 % errors and p99 ≤ 500 ms (the shop's
//                  checkout SLOs); 0 when users never saw the fault; null when not within BENCH_FAULT_SECONDS
//   failedRequests requests that failed between the injection and the recovery
// then clears the fault, waits for every incident to end and for BENCH_SETTLE_SECONDS more. Prints a table per
// fault and the medians; writes bench/results/recovery.json ({ faults: [...], soak: { minutes, falseIncidents,
// falseActions }, medians, meta }). Log on stderr.
//
// Env: BENCH_RATE (4 journeys/s), BENCH_WARMUP_MINUTES (12), BENCH_SOAK_MINUTES (10), BENCH_FAULT_SECONDS (240),
// BENCH_SETTLE_SECONDS (30), BENCH_DETECT_INTERVAL (5), BENCH_WARMUP_POINTS (120), BENCH_CLIENTS (64: the client
// addresses the journeys come from), BENCH_FAULTS (all; a comma list of fault names). Loopback only. About 15 + 4 × faults minutes.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { parse, stringify } from 'yaml';
import { FAULTS } from '../../packages/chaos/dist/index.js';
import { runLoad } from '../../packages/loadgen/dist/index.js';
import { readStateFile } from '../../packages/runtime/dist/index.js';
import { log, numberEnv, provenance, root, spawnUp } from '../shop/shop-harness.mjs';

const knobs = {
  rate: numberEnv('BENCH_RATE', 4),
  warmupMinutes: numberEnv('BENCH_WARMUP_MINUTES', 12),
  soakMinutes: numberEnv('BENCH_SOAK_MINUTES', 10),
  faultSeconds: numberEnv('BENCH_FAULT_SECONDS', 240),
  settleSeconds: numberEnv('BENCH_SETTLE_SECONDS', 30),
  detectInterval: numberEnv('BENCH_DETECT_INTERVAL', 5),
  warmupPoints: numberEnv('BENCH_WARMUP_POINTS', 120),
  clients: numberEnv('BENCH_CLIENTS', 64),
};

/** The SLO users are judged by (the shop's checkout SLOs: 99.5 % available, 99 % under 0.5 s). */
const SLO = { maxErrorRatio: 0.01, maxP99Ms: 500, windowMs: 10_000, holdMs: 30_000 };

/**
 * The faults injected, in order, with their target and parameters. Spread over services so that no one
 * service's restart back-off or action budget carries over from one fault to the next, and so that no fault
 * hits a service within the root-cause change lookback (10 min) of the soak's deploy of it (catalog): errors
 * minutes after a deploy are, by design, that deploy's late regression (issue 9), not an unexplained failure.
 */
const PLAN = [
  { fault: 'latency', target: 'cart', params: { ms: '800' } },
  { fault: 'crash', target: 'orders', params: {} },
  { fault: 'hang', target: 'users', params: {} },
  { fault: 'cpu', target: 'catalog', params: { percent: '95' } },
  { fault: 'memory-leak', target: 'cart', params: { mbPerSecond: '20' } },
  { fault: 'db-slow', target: 'orders', params: { ms: '500' } },
  { fault: 'db-failure', target: 'inventory', params: { ratio: '0.5' } },
  { fault: 'dependency-unreachable', target: 'checkout', params: { dependency: 'payments' } },
  { fault: 'bus-stall', target: 'notifications', params: {} },
  { fault: 'errors', target: 'catalog', params: { ratio: '0.5' } },
  { fault: 'payment-provider-slow', target: 'payments', params: { ms: '3000' } },
  { fault: 'bad-release', target: 'catalog', params: { ratio: '0.5' } },
  {
    fault: 'bad-flag',
    target: 'checkout',
    params: { flag: 'checkout-payment-timeout-ms', variant: 'aggressive' },
  },
  // The proxy's upstream timeout: checkout, sign-up, sign-in and cart writes (tens of ms) go through it, cached
  // catalogue reads (a few ms) mostly meet it. Not the RPC timeout, tried before: the journeys' only RPC from the
  // gateway is the storefront's cart part, which degrades gracefully — the fourth run's users barely felt 5 ms
  // and the fifth's nothing at 1 ms. A config that breaks nothing is no test of finding a bad config.
  { fault: 'bad-config', target: 'gateway', params: { key: 'UPSTREAM_TIMEOUT_MS', value: '5' } },
  { fault: 'traffic-flood', target: 'gateway', params: { rate: '200' } },
];
const only = process.env.BENCH_FAULTS?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const plan = only === undefined ? PLAN : PLAN.filter((p) => only.includes(p.fault));
for (const name of only ?? [])
  if (!PLAN.some((p) => p.fault === name)) throw new Error(`BENCH_FAULTS: unknown ${name}`);

/** The shop's spec for the run: its own data and ports, faster detection, remediation on. */
function writeSpec(dir) {
  const spec = parse(readFileSync(join(root, 'opsloop.yaml'), 'utf8'));
  for (const service of Object.values(spec.services)) {
    service.cwd = root;
    if (service.expose) service.expose.port = 0;
    if (service.env?.DATA_DIR !== undefined) service.env.DATA_DIR = join(dir, 'data');
    // The data moved out of the repository, and a backup pauses replicas: none in a recovery run.
    delete service.backup;
  }
  spec.runtime = { ...(spec.runtime ?? {}) };
  spec.runtime.aiops = {
    ...(spec.runtime.aiops ?? {}),
    detection: { intervalSeconds: knobs.detectInterval, warmupPoints: knobs.warmupPoints },
    remediation: { mode: 'auto' },
  };
  const path = join(dir, 'opsloop.yaml');
  writeFileSync(path, stringify(spec));
  return { path, spec };
}

/** Per-second buckets of the load generator's requests: count, errors, latencies. */
function createTimeline() {
  const buckets = new Map();
  return {
    record(record, atMs) {
      const second = Math.floor(atMs / 1000);
      let bucket = buckets.get(second);
      if (bucket === undefined)
        buckets.set(second, (bucket = { count: 0, errors: 0, latencies: [], byEndpoint: new Map() }));
      bucket.count++;
      if (record.latencyMs !== undefined) {
        const own = bucket.byEndpoint.get(record.endpoint) ?? [];
        own.push(record.latencyMs);
        bucket.byEndpoint.set(record.endpoint, own);
      }
      if ('error' in record) bucket.errors++;
      if (record.latencyMs !== undefined) bucket.latencies.push(record.latencyMs);
      else if ('error' in record) bucket.latencies.push(Number.POSITIVE_INFINITY);
    },
    /** Requests, errors and p99 of [fromMs, toMs). */
    window(fromMs, toMs) {
      let count = 0;
      let errors = 0;
      const latencies = [];
      for (let s = Math.floor(fromMs / 1000); s < Math.floor(toMs / 1000); s++) {
        const b = buckets.get(s);
        if (b === undefined) continue;
        count += b.count;
        errors += b.errors;
        latencies.push(...b.latencies);
      }
      latencies.sort((a, b) => a - b);
      const p99 =
        latencies.length === 0
          ? null
          : latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))];
      return { count, errors, p99 };
    },
    /** Per endpoint: requests answered and their p99 (ms) in [fromMs, toMs): which ones set the SLO's pace. */
    endpoints(fromMs, toMs) {
      const all = new Map();
      for (let s = Math.floor(fromMs / 1000); s < Math.floor(toMs / 1000); s++)
        for (const [endpoint, latencies] of buckets.get(s)?.byEndpoint ?? [])
          all.set(endpoint, [...(all.get(endpoint) ?? []), ...latencies]);
      return Object.fromEntries(
        [...all].map(([endpoint, latencies]) => {
          latencies.sort((a, b) => a - b);
          const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))];
          return [endpoint, { count: latencies.length, p99: Math.round(p99) }];
        }),
      );
    },
  };
}

const withinSlo = (w) =>
  w.count > 0 && w.errors / w.count <= SLO.maxErrorRatio && w.p99 !== null && w.p99 <= SLO.maxP99Ms;

/**
 * The start of the first `holdMs` after `t0` in which every window ending in it is within the SLO; 0 (t0)
 * when users never saw the fault; null when not within `untilMs`.
 */
function recoveredAt(timeline, t0, untilMs) {
  let goodSince = t0;
  for (let end = t0 + 1000; end <= untilMs; end += 1000) {
    const ok = withinSlo(timeline.window(end - SLO.windowMs, end));
    if (!ok) goodSince = end;
    else if (end - goodSince >= SLO.holdMs) return goodSince;
  }
  return null;
}

/** The control API as the CLI reaches it (the run's admin token from the state file). */
function controlClient(state) {
  return async (method, path, body) => {
    const response = await request(`${state.controlUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${state.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
    const text = await response.body.text();
    const parsed = text === '' ? undefined : JSON.parse(text);
    if (response.statusCode >= 400)
      throw new Error(`${method} ${path}: ${response.statusCode} ${parsed?.detail ?? text}`);
    return parsed;
  };
}

const median = (values) => {
  const v = values.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};
const round1 = (x) => (x === null ? null : Math.round(x * 10) / 10);

async function main() {
  const began = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'opsloop-bench-recovery-'));
  const { path: specPath, spec } = writeSpec(dir);
  log(`starting the shop (${dir})`);
  const up = await spawnUp(dir, specPath);
  const state = await readStateFile(join(dir, '.opsloop'));
  const control = controlClient(state);
  const timeline = createTimeline();
  const abort = new AbortController();
  let rate = knobs.rate;
  // Steady journeys, one run per minute so that the soak can vary the rate.
  const loadLoop = (async () => {
    while (!abort.signal.aborted) {
      await runLoad({
        baseUrl: up.gateway,
        rate,
        durationSeconds: 60,
        signal: abort.signal,
        timeoutMs: 10_000,
        // Users at many addresses, as the gateway sees real ones: a per-client limit (or its shedding of a
        // flood) then meets each user's few requests, not all of them from one address.
        clients: knobs.clients,
        onRecord: (record, atMs) => timeline.record(record, atMs),
      }).catch((error) => log(`load: ${error.message}`));
    }
  })();
  // The shop sells about 3 units a second and holds 6 000: without restocking, every checkout is refused as out
  // of stock after half an hour, and the faults behind checkout (orders, payments, its flags) reach no one.
  const restockLoop = (async () => {
    while (!abort.signal.aborted) {
      await restock(control).catch((error) => log(`restock: ${error.message}`));
      await sleep(60_000, undefined, { signal: abort.signal }).catch(() => undefined);
    }
  })();
  const results = { faults: [], soak: null };
  try {
    log(`warm-up: ${knobs.warmupMinutes} min at ${rate} journeys/s (the detectors learn)`);
    await sleep(knobs.warmupMinutes * 60_000);
    const baseline = timeline.window(Date.now() - 60_000, Date.now());
    log(`baseline: ${baseline.count} requests/min, ${baseline.errors} errors, p99 ${baseline.p99} ms`);
    results.baseline = {
      requestsPerMinute: baseline.count,
      errors: baseline.errors,
      p99Ms: baseline.p99 === null ? null : Math.round(baseline.p99),
      endpoints: timeline.endpoints(Date.now() - 60_000, Date.now()),
    };
    log(`baseline by endpoint: ${JSON.stringify(results.baseline.endpoints)}`);

    // The soak: varying load, a deploy and a scale event; every incident and action in it is false.
    const soakStart = Date.now();
    const soakEnd = soakStart + knobs.soakMinutes * 60_000;
    log(`soak: ${knobs.soakMinutes} min, no fault`);
    const rates = [
      knobs.rate,
      knobs.rate * 1.5,
      knobs.rate * 2,
      knobs.rate * 1.5,
      knobs.rate,
      knobs.rate * 0.5,
    ];
    let minute = 0;
    let deployed = false;
    let scaled = false;
    while (Date.now() < soakEnd) {
      rate = rates[minute % rates.length];
      const elapsed = Date.now() - soakStart;
      if (!deployed && elapsed >= 0.3 * knobs.soakMinutes * 60_000) {
        deployed = true;
        const next = structuredClone(spec);
        next.services.catalog.env.SERVICE_VERSION = '0.1.1';
        await control('POST', '/v1/apply', { spec: stringify(next), file: 'bench' });
        log('soak: catalog 0.1.1 deployed (rolling)');
      }
      if (!scaled && elapsed >= 0.6 * knobs.soakMinutes * 60_000) {
        scaled = true;
        await control('POST', '/v1/services/catalog/scale', { replicas: 3 });
        log('soak: catalog scaled to 3');
      }
      await sleep(Math.min(60_000, soakEnd - Date.now()));
      minute++;
    }
    rate = knobs.rate;
    await control('POST', '/v1/services/catalog/scale', { replicas: 2 });
    const soakIncidents = (await control('GET', '/v1/incidents?limit=1000')).incidents.filter(
      (i) => Date.parse(i.opened_at) >= soakStart && Date.parse(i.opened_at) < soakEnd,
    );
    const soakActions = soakIncidents.flatMap((i) => takenActions(i.actions));
    results.soak = {
      minutes: knobs.soakMinutes,
      falseIncidents: soakIncidents.length,
      falseActions: soakActions.length,
      incidents: soakIncidents.map((i) => ({
        id: i.id,
        services: i.services,
        rootCauses: i.root_causes.slice(0, 3).map((c) => `${c.service}/${c.kind} ${c.score.toFixed(2)}`),
        actions: takenActions(i.actions).map((a) => `${a.type} ${a.target}`),
      })),
    };
    log(
      `soak: ${soakIncidents.length} incidents, ${soakActions.length} actions${soakIncidents.length ? ` (${soakIncidents.map((i) => `${i.id}: ${i.services.join(',')}`).join('; ')})` : ''}`,
    );
    await settle(control);

    for (const entry of plan) {
      results.faults.push(await runFault(entry, control, timeline));
      // A partial file after every fault: a long run that dies late still leaves its numbers.
      writeResults(results, began, true);
    }
  } finally {
    abort.abort();
    await loadLoop;
    await restockLoop;
    await up.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const out = writeResults(results, began, false);
  printTable(results.faults, out.medians, results.soak);
  log('wrote bench/results/recovery.json');
}

/** The stock the inventory service is seeded with (every product of the catalogue's seed). */
const STOCK = JSON.parse(readFileSync(join(root, 'services/inventory/src/seed/stock.json'), 'utf8'));

/** Puts every product's stock back to its seed level, through the inventory replicas' stock endpoint. */
async function restock(control) {
  const { endpoints } = await control('GET', '/v1/endpoints/inventory');
  const url = endpoints[0]?.url;
  if (url === undefined) return;
  for (const { productId, onHand } of STOCK) {
    const response = await request(`${url}/api/inventory/${productId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ onHand }),
      headersTimeout: 5_000,
      bodyTimeout: 5_000,
    });
    await response.body.dump();
  }
}

/** Writes bench/results/recovery.json (medians over the faults run so far); returns what it wrote. */
function writeResults(results, began, partial) {
  const medians = {
    detectSeconds: round1(median(results.faults.map((f) => f.detectSeconds))),
    recoverSeconds: round1(median(results.faults.map((f) => f.recoverSeconds))),
    top1: results.faults.filter((f) => f.top1).length / Math.max(1, results.faults.length),
    top3: results.faults.filter((f) => f.top3).length / Math.max(1, results.faults.length),
    // The medians above skip these: a fault never detected / never recovered within its time.
    undetected: results.faults.filter((f) => f.detectSeconds === null).length,
    unrecovered: results.faults.filter((f) => f.recoverSeconds === null).length,
  };
  const out = {
    faults: results.faults,
    soak: results.soak,
    medians,
    meta: {
      ...provenance(),
      knobs,
      slo: SLO,
      ...(results.baseline === undefined ? {} : { baseline: results.baseline }),
      minutes: Math.round((Date.now() - began) / 6000) / 10,
      ...(partial ? { partial: true } : {}),
    },
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/recovery.json'), `${JSON.stringify(out, null, 2)}\n`);
  return out;
}

/**
 * The actions remediation took on an incident, once each: an incident lists an action once per step
 * (executing, executed, verifying, verified), so they are counted by their start.
 */
function takenActions(actions) {
  const started = actions.filter((a) => a.result === 'executing');
  if (started.length > 0) return started;
  const seen = new Map();
  for (const a of actions)
    if (['executed', 'verified'].includes(a.result)) seen.set(`${a.type} ${a.target}`, a);
  return [...seen.values()];
}

/**
 * How long the harness waits for every incident to end between faults: an escalated incident resolves only a
 * minute after its last symptom, and one still open when the next fault goes in takes that fault in.
 */
const CALM_TIMEOUT_MS = 300_000;

/** Waits until no incident is open, mitigating or escalated (at most `timeoutMs`). */
/**
 * Waits for calm, then BENCH_SETTLE_SECONDS, and again while an incident opened meanwhile (the aftermath of
 * the fault before: the third run's bus-stall joined one opened 17 s before it went in), for at most
 * CALM_TIMEOUT_MS in all.
 */
async function settle(control) {
  const deadline = Date.now() + CALM_TIMEOUT_MS;
  for (;;) {
    await waitForCalm(control, Math.max(0, deadline - Date.now()));
    await sleep(knobs.settleSeconds * 1000);
    const { incidents } = await control('GET', '/v1/incidents?status=active&limit=100');
    if (incidents.length === 0 || Date.now() >= deadline) return;
  }
}

async function waitForCalm(control, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { incidents } = await control('GET', '/v1/incidents?status=active&limit=100');
    if (incidents.length === 0) return true;
    await sleep(2000);
  }
  log('  (incidents still active; going on)');
  return false;
}

/**
 * When an incident showed the fault: its opening after `t0`, its reopening after `t0`, or — for one still
 * active when the fault went in (an escalated incident waits for every symptom to end) — the first symptom on
 * `service` it took in after `t0`: the fault joined it, which a person watching it would see. Else undefined.
 */
function detectedAt(incident, before, t0, service) {
  if (!before.has(incident.id)) return Date.parse(incident.opened_at);
  const reopened = incident.timeline.find(
    (t) => t.kind === 'status' && t.summary.startsWith('reopened') && Date.parse(t.at) >= t0,
  );
  if (reopened !== undefined) return Date.parse(reopened.at);
  if (!before.get(incident.id)) return undefined;
  const joined = (incident.signals ?? [])
    .filter((s) => s.service === service && Date.parse(s.first_at) >= t0)
    .map((s) => Date.parse(s.first_at));
  return joined.length === 0 ? undefined : Math.min(...joined);
}

async function runFault(entry, control, timeline) {
  const definition = FAULTS.find((f) => f.name === entry.fault);
  const expected = { service: entry.target, kind: definition.expectedCause.kind };
  // Every incident so far, and whether it was still active (open, mitigating, escalated) as the fault went in.
  const before = new Map(
    (await control('GET', '/v1/incidents?limit=1000')).incidents.map((i) => [i.id, i.status !== 'resolved']),
  );
  const t0 = Date.now();
  log(
    `${entry.fault} → ${entry.target} ${JSON.stringify(entry.params)} (expected ${expected.service}/${expected.kind})`,
  );
  let injection;
  try {
    injection = await control('POST', '/v1/chaos/injections', {
      fault: entry.fault,
      target: entry.target,
      params: entry.params,
      ...(definition.instant ? {} : { durationSeconds: knobs.faultSeconds }),
    });
  } catch (error) {
    log(`  injection failed: ${error.message}`);
    return {
      fault: entry.fault,
      target: entry.target,
      detectSeconds: null,
      recoverSeconds: null,
      top1: false,
      top3: false,
      action: 'none',
      failedRequests: 0,
      error: error.message,
    };
  }
  // Follow the incident until it resolves (or the fault's time is up).
  let incident;
  const deadline = t0 + knobs.faultSeconds * 1000;
  while (Date.now() < deadline) {
    await sleep(1000);
    const { incidents } = await control('GET', '/v1/incidents?limit=100');
    // The fault's incident: one opened after the injection, or an earlier one its symptoms reopened.
    const fresh = incidents
      .map((i) => ({ ...i, detectedAt: detectedAt(i, before, t0, expected.service) }))
      .filter((i) => i.detectedAt !== undefined)
      .sort((a, b) => a.detectedAt - b.detectedAt);
    incident = fresh.find((i) => i.root_causes.some((c) => c.service === expected.service)) ?? fresh[0];
    if (incident !== undefined && incident.status === 'resolved' && Date.now() - t0 > 45_000) break;
  }
  // Users' recovery is judged on the timeline, which needs a whole SLO hold after the recovery point: keep
  // the fault in (it is the loop's job to have undone it) until that is known or the fault's time is up.
  let recovered = recoveredAt(timeline, t0, Math.min(Date.now(), deadline));
  while (recovered === null && Date.now() < deadline) {
    await sleep(1000);
    recovered = recoveredAt(timeline, t0, Math.min(Date.now(), deadline));
  }
  await control('DELETE', `/v1/chaos/injections/${injection.id}`).catch(() => undefined);
  // The whole incident, for studying a miss afterwards (bench/tmp is not committed).
  if (incident !== undefined) {
    const detail = await control('GET', `/v1/incidents/${incident.id}`).catch(() => incident);
    mkdirSync(join(root, 'bench/tmp'), { recursive: true });
    writeFileSync(
      join(root, 'bench/tmp', `recovery-${entry.fault}-${entry.target}.json`),
      `${JSON.stringify(detail, null, 2)}\n`,
    );
  }
  const causes = incident?.root_causes ?? [];
  const match = (c) => c.service === expected.service && c.kind === expected.kind;
  // Only what was done for this fault: a reopened incident still lists the last fault's actions.
  const acted = takenActions((incident?.actions ?? []).filter((a) => Date.parse(a.at) >= t0))[0];
  const failed = recovered === null ? null : timeline.window(t0, recovered).errors;
  const result = {
    fault: entry.fault,
    target: entry.target,
    detectSeconds: incident === undefined ? null : round1((incident.detectedAt - t0) / 1000),
    recoverSeconds: recovered === null ? null : round1((recovered - t0) / 1000),
    top1: causes.length > 0 && match(causes[0]),
    top3: causes.slice(0, 3).some(match),
    action: acted === undefined ? 'none' : `${acted.type} ${acted.target}`,
    failedRequests: failed ?? timeline.window(t0, deadline).errors,
    incident: incident?.id ?? null,
    rootCauses: causes.slice(0, 3).map((c) => `${c.service}/${c.kind} ${c.score.toFixed(2)}`),
    incidentStatus: incident?.status ?? null,
    // The fault joined an incident still active when it went in (rather than opening or reopening one).
    joined:
      incident !== undefined &&
      before.get(incident.id) === true &&
      !incident.timeline.some(
        (t) => t.kind === 'status' && t.summary.startsWith('reopened') && Date.parse(t.at) >= t0,
      ),
  };
  log(
    `  detect ${result.detectSeconds ?? '-'} s, recover ${result.recoverSeconds ?? '-'} s, causes ${result.rootCauses.join(', ') || '-'}, action ${result.action}, failed ${result.failedRequests}`,
  );
  await settle(control);
  return result;
}

function printTable(faults, medians, soak) {
  const rows = [
    ['fault', 'target', 'detect s', 'recover s', 'top1', 'top3', 'action', 'failed'],
    ...faults.map((f) => [
      f.fault,
      f.target,
      String(f.detectSeconds ?? '-'),
      String(f.recoverSeconds ?? '-'),
      f.top1 ? 'yes' : 'no',
      f.top3 ? 'yes' : 'no',
      f.action,
      String(f.failedRequests),
    ]),
    [
      'median',
      '',
      String(medians.detectSeconds ?? '-'),
      String(medians.recoverSeconds ?? '-'),
      `${Math.round(medians.top1 * 100)} %`,
      `${Math.round(medians.top3 * 100)} %`,
      '',
      '',
    ],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) process.stdout.write(`${r.map((cell, c) => cell.padEnd(widths[c])).join('  ')}\n`);
  process.stdout.write(
    `soak: ${soak.minutes} min, ${soak.falseIncidents} false incidents, ${soak.falseActions} false actions\n`,
  );
}

await main();
