import { setMaxListeners } from 'node:events';
import { randomBytes } from 'node:crypto';
import { problemDocumentSchema } from '@opsloop/contracts';
import { systemClock, type Clock, type TimerHandle } from '@opsloop/kit';
import { createHttpClient, type HttpClient } from './http-client.js';
import {
  ENDPOINT_ORDER,
  JOURNEYS,
  JourneyStop,
  SessionPool,
  type Answer,
  type JourneyContext,
  type JourneyName,
  type Step,
} from './journeys.js';
import { clientAddress, mixEntries, parseLoadOptions, type ParsedLoadOptions } from './options.js';
import { createRandom, deriveSeed, type Random } from './random.js';
import type { LatencySummary } from './histogram.js';
import { Recorder, type EndpointReport, type RequestRecord } from './recorder.js';
import { assertTargetAllowed } from './target.js';

/** Options of {@link runLoad}. */
export interface RunLoadOptions {
  /** The gateway, e.g. `http://127.0.0.1:8080`; must be loopback unless `allowRemote`. */
  baseUrl: string;
  /** Journey weights (default {@link DEFAULT_MIX}); journeys left out or at 0 never run. */
  mix?: Partial<Record<JourneyName, number>>;
  /** Open model: journeys started per second, whether earlier ones finished or not. */
  rate?: number;
  /** Closed model: this many virtual users, each starting a journey when its last one ended (default 1). */
  concurrency?: number;
  /** Think time between steps (and between a virtual user's journeys): a fixed ms value or a [min, max]. */
  thinkTimeMs?: number | [number, number];
  /** Stop starting journeys after this many. */
  maxJourneys?: number;
  /** Stop after this long (default 60 s): no new journeys or steps; requests in flight finish. */
  durationSeconds?: number;
  /** Seeds journey choices and their parameters (default random; reported). */
  seed?: number;
  /** Deadline of one request, body included (default 10 s). */
  timeoutMs?: number;
  /** Open model: arrivals while this many journeys are in flight are dropped and counted (default 1000). */
  maxInFlight?: number;
  /** Open model: evenly spaced arrivals, or a Poisson process of the same rate (default uniform). */
  arrivals?: 'uniform' | 'poisson';
  /** Most connections to the target (default: the concurrency, or 256 in the open model). */
  connections?: number;
  /** Allow a target that is not this machine. */
  allowRemote?: boolean;
  /**
   * The local address the requests come from, e.g. `127.0.0.2`: a loopback address (any of 127.0.0.0/8
   * works on Linux) gives a run its own client identity at a gateway that limits per IP address, so a
   * flood and steady users can be told apart. A loopback address only, unless `allowRemote`.
   */
  sourceAddress?: string;
  /**
   * Spreads the journeys over this many client addresses (journey i comes from 127.1.0.1 + i mod clients):
   * users at different addresses, as a gateway limiting per IP address sees real users, rather than one
   * address making every request. 1 by default; more needs an IPv4 loopback target (Linux) and no
   * `sourceAddress`.
   */
  clients?: number;
  /** Ends the run: requests in flight are cancelled (and not counted), journeys interrupted. */
  signal?: AbortSignal;
  /** Receives every recorded request as it ends, with the clock's time (a timeline of what users saw). */
  onRecord?: (record: RequestRecord, atMs: number) => void;
  /** Schedules arrivals, think times and the time bound (the system clock by default). */
  clock?: Clock;
}

/** Counters of one journey type (or all). */
export interface JourneyCounts {
  started: number;
  completed: number;
  /** Ended by an error (or nothing to buy). */
  failed: number;
  /** Ended by the time bound or the signal. */
  interrupted: number;
}

/** The results of a run. */
export interface LoadReport {
  target: string;
  model: 'open' | 'closed';
  rate: number | null;
  concurrency: number | null;
  arrivals: 'uniform' | 'poisson' | null;
  seed: number;
  runId: string;
  startedAt: string;
  durationMs: number;
  /** What ended the run: all `maxJourneys` done, the time bound, or the signal. */
  stoppedBy: 'count' | 'duration' | 'signal';
  journeys: JourneyCounts & {
    /** Open model: arrivals dropped because `maxInFlight` journeys were running. */
    dropped: number;
    byName: Partial<Record<JourneyName, JourneyCounts>>;
  };
  endpoints: EndpointReport[];
  totals: {
    requests: number;
    ok: number;
    errors: number;
    requestsPerSecond: number;
    /** Latency in ms of every answered request, all endpoints together; null when there was none. */
    latencyMs: Omit<LatencySummary, 'count'> | null;
  };
}

/** `HTTP 503 https://opsloop.dev/problems/… (detail)` for a problem document, else `HTTP 503`. */
function describeAnswer(status: number, body: unknown): string {
  const problem = problemDocumentSchema.safeParse(body);
  if (!problem.success) return `HTTP ${status}`;
  const { type, detail } = problem.data;
  return `HTTP ${status} ${type}${detail === undefined ? '' : ` (${detail})`}`;
}

const zeroCounts = (): JourneyCounts => ({ started: 0, completed: 0, failed: 0, interrupted: 0 });

/** The shared state of one run. */
class Run {
  stopping = false;
  stoppedBy: LoadReport['stoppedBy'] | undefined;
  started = 0;
  dropped = 0;
  readonly totals = zeroCounts();
  readonly byName: Partial<Record<JourneyName, JourneyCounts>> = {};
  readonly recorder = new Recorder(ENDPOINT_ORDER);
  readonly sessions = new SessionPool();
  readonly runId = randomBytes(4).toString('hex');
  readonly #sleepers = new Set<() => void>();
  readonly #stopListeners: (() => void)[] = [];
  readonly #mix: [JourneyName, number][];

  constructor(
    readonly options: ParsedLoadOptions,
    readonly seed: number,
    readonly clock: Clock,
    readonly clientOf: (journey: number) => HttpClient,
    readonly abort: AbortController,
    readonly onRecord?: (record: RequestRecord, atMs: number) => void,
  ) {
    this.#mix = mixEntries(options.mix);
  }

  stop(reason: NonNullable<Run['stoppedBy']>): void {
    if (this.stopping) return;
    this.stopping = true;
    this.stoppedBy = reason;
    for (const wake of [...this.#sleepers]) wake();
    if (reason === 'signal') this.abort.abort();
    for (const listener of this.#stopListeners.splice(0)) listener();
  }

  /** Runs `listener` when the run stops (at once if it has). */
  onStop(listener: () => void): void {
    if (this.stopping) listener();
    else this.#stopListeners.push(listener);
  }

  /** Waits `ms` on the run's clock; false when the run stopped meanwhile. */
  sleep(ms: number): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        handle.cancel();
        this.#sleepers.delete(wake);
        resolve(false);
      };
      const handle = this.clock.after(ms, () => {
        this.#sleepers.delete(wake);
        resolve(!this.stopping);
      });
      this.#sleepers.add(wake);
    });
  }

  thinkTime(random: Random): number {
    const think = this.options.thinkTimeMs ?? 0;
    const [min, max] = Array.isArray(think) ? think : [think, think];
    return min + random.next() * (max - min);
  }

  #record(entry: RequestRecord): void {
    this.recorder.record(entry);
    this.onRecord?.(entry, this.clock.now());
  }

  async call(step: Step, journey: number): Promise<Answer> {
    if (this.stopping) throw new JourneyStop('interrupted');
    const { endpoint } = step;
    const result = await this.clientOf(journey).send(step.request);
    if (result.kind === 'aborted') throw new JourneyStop('interrupted');
    if (result.kind === 'failure') {
      this.#record({ endpoint, error: result.errorClass, detail: result.message });
      throw new JourneyStop('failed');
    }
    const { status, body, latencyMs } = result;
    const outcome = step.outcomes?.[status] ?? (status >= 200 && status < 300 ? 'ok' : undefined);
    if (outcome === undefined) {
      const error = status >= 500 ? 'http-5xx' : status >= 400 ? 'http-4xx' : 'http-other';
      this.#record({ endpoint, latencyMs, error, detail: describeAnswer(status, body) });
      throw new JourneyStop('failed');
    }
    if (step.validate !== undefined && !step.validate(body)) {
      this.#record({
        endpoint,
        latencyMs,
        error: 'invalid-response',
        detail: `HTTP ${status}: the body does not match the contract`,
      });
      throw new JourneyStop('failed');
    }
    this.#record({ endpoint, latencyMs, outcome });
    return { status, outcome, body };
  }

  /** Runs journey number `index` (its kind and parameters drawn from a seed derived from it). */
  async journey(index: number): Promise<void> {
    const random = createRandom(deriveSeed(this.seed, index));
    const name = random.weighted(this.#mix);
    const counts = (this.byName[name] ??= zeroCounts());
    counts.started++;
    this.totals.started++;
    const context: JourneyContext = {
      index,
      random,
      runId: this.runId,
      sessions: this.sessions,
      call: (step) => this.call(step, index),
      think: async () => {
        if (!(await this.sleep(this.thinkTime(random)))) throw new JourneyStop('interrupted');
      },
    };
    let end: keyof Omit<JourneyCounts, 'started'>;
    try {
      await JOURNEYS[name](context);
      end = 'completed';
    } catch (error) {
      if (!(error instanceof JourneyStop)) throw error;
      end = error.end;
    }
    counts[end]++;
    this.totals[end]++;
  }
}

/** Closed model: `concurrency` virtual users, each running journeys one after the other. */
async function runClosed(run: Run, concurrency: number): Promise<void> {
  const max = run.options.maxJourneys ?? Number.POSITIVE_INFINITY;
  const user = async (id: number): Promise<void> => {
    const random = createRandom(deriveSeed(run.seed, -1 - id));
    let first = true;
    while (!run.stopping && run.started < max) {
      if (!first && !(await run.sleep(run.thinkTime(random)))) return;
      first = false;
      if (run.stopping || run.started >= max) return;
      await run.journey(run.started++);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, id) => user(id)));
}

/** Open model: arrivals at `rate` per second on the run's clock, never waiting for completions. */
async function runOpen(run: Run, rate: number): Promise<void> {
  const max = run.options.maxJourneys ?? Number.POSITIVE_INFINITY;
  const gaps = createRandom(deriveSeed(run.seed, -0x10000));
  const meanGapMs = 1000 / rate;
  const gap = () => (run.options.arrivals === 'poisson' ? gaps.exponential(meanGapMs) : meanGapMs);
  const inFlight = new Set<Promise<void>>();
  let next = run.clock.now();
  let arrivals = 0;
  await new Promise<void>((resolve) => {
    let timer: TimerHandle | undefined;
    const tick = (): void => {
      timer = undefined;
      const now = run.clock.now();
      // Catch up on every arrival due by now: a late timer must not lower the rate.
      while (!run.stopping && arrivals < max && next <= now) {
        arrivals++;
        next += gap();
        if (inFlight.size >= run.options.maxInFlight) {
          run.dropped++;
          continue;
        }
        const journey = run.journey(run.started++).finally(() => inFlight.delete(journey));
        inFlight.add(journey);
      }
      if (run.stopping || arrivals >= max) {
        resolve();
        return;
      }
      timer = run.clock.after(Math.max(0, next - run.clock.now()), tick);
    };
    run.onStop(() => {
      timer?.cancel();
      resolve();
    });
    tick();
  });
  while (inFlight.size > 0) await Promise.all([...inFlight]);
}

/**
 * Runs user journeys against the shop's REST API and reports, per endpoint, counts, errors by class,
 * business outcomes and latency percentiles. The run is bounded by `durationSeconds` (always) and
 * `maxJourneys` (when given), whichever comes first; in the open model `maxJourneys` bounds arrivals,
 * dropped ones included. Refuses a non-loopback target unless `allowRemote`. Rejects with a
 * `LoadOptionsError` or a `RemoteTargetError` before sending anything.
 */
export async function runLoad(options: RunLoadOptions): Promise<LoadReport> {
  const { signal, clock: injectedClock, onRecord, ...data } = options;
  const parsed = parseLoadOptions(data);
  assertTargetAllowed(parsed.baseUrl, parsed.allowRemote);
  const clock = injectedClock ?? systemClock;
  const seed = parsed.seed ?? randomBytes(4).readUInt32BE(0);
  const model = parsed.rate === undefined ? 'closed' : 'open';
  const concurrency = model === 'closed' ? (parsed.concurrency ?? 1) : null;
  const abort = new AbortController();
  // Every request in flight listens on it: hundreds at a time is the design, not a leak.
  setMaxListeners(0, abort.signal);
  const connections = parsed.connections ?? concurrency ?? Math.min(256, parsed.maxInFlight);
  const clients = new Map<number, HttpClient>();
  // One pool per client address, made when a journey from it first runs; the connections shared out.
  const clientOf = (journey: number): HttpClient => {
    const slot = journey % parsed.clients;
    let client = clients.get(slot);
    if (client === undefined) {
      const sourceAddress = parsed.clients > 1 ? clientAddress(slot) : parsed.sourceAddress;
      client = createHttpClient({
        baseUrl: parsed.baseUrl,
        timeoutMs: parsed.timeoutMs,
        connections: Math.max(1, Math.ceil(connections / parsed.clients)),
        signal: abort.signal,
        ...(sourceAddress === undefined ? {} : { sourceAddress }),
      });
      clients.set(slot, client);
    }
    return client;
  };
  const run = new Run(parsed, seed, clock, clientOf, abort, onRecord);
  const startedAt = new Date(clock.now());
  const start = clock.now();
  const onAbort = () => run.stop('signal');
  if (signal?.aborted) run.stop('signal');
  signal?.addEventListener('abort', onAbort, { once: true });
  const deadline = clock.after(parsed.durationSeconds * 1000, () => run.stop('duration'));
  // The clock's timers do not hold the process open (a CLI run would exit mid-think): this does, until the end.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    if (model === 'open') await runOpen(run, parsed.rate!);
    else await runClosed(run, concurrency!);
  } catch (error) {
    // A bug in a journey: stop the other virtual users too, rather than let them run on a closed pool.
    run.stop('signal');
    throw error;
  } finally {
    deadline.cancel();
    clearInterval(keepAlive);
    signal?.removeEventListener('abort', onAbort);
    await Promise.all([...clients.values()].map((client) => client.close()));
  }
  const durationMs = clock.now() - start;
  const endpoints = run.recorder.report();
  const requests = endpoints.reduce((sum, endpoint) => sum + endpoint.count, 0);
  const ok = endpoints.reduce((sum, endpoint) => sum + endpoint.ok, 0);
  return {
    target: parsed.baseUrl,
    model,
    rate: parsed.rate ?? null,
    concurrency,
    arrivals: model === 'open' ? parsed.arrivals : null,
    seed,
    runId: run.runId,
    startedAt: startedAt.toISOString(),
    durationMs,
    stoppedBy: run.stoppedBy ?? 'count',
    journeys: { ...run.totals, dropped: run.dropped, byName: run.byName },
    endpoints,
    totals: {
      requests,
      ok,
      errors: requests - ok,
      requestsPerSecond: durationMs > 0 ? (requests * 1000) / durationMs : 0,
      latencyMs: run.recorder.totalLatency(),
    },
  };
}
