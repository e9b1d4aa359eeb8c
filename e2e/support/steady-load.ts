import type { Pool } from 'undici';

/** Closed-loop load: a few workers each sending the next GET as soon as the last one answered. */
export interface SteadyLoad {
  /** Requests answered 200 so far. */
  readonly ok: number;
  /** Every other outcome so far: the status code, or the error's message. */
  readonly failures: readonly string[];
  /** ok + failures: every request that ended. */
  readonly total: number;
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<void>;
}

/** Options of {@link startSteadyLoad}. */
export interface SteadyLoadOptions {
  pool: Pool;
  /** Concurrent workers (each one request at a time). */
  workers: number;
  path: string;
  /** Per-request deadline: a hung request counts as failed instead of hanging the test. */
  timeoutMs?: number;
}

/** Starts the workers; read the counters at any time, then {@link SteadyLoad.stop}. */
export function startSteadyLoad(options: SteadyLoadOptions): SteadyLoad {
  const timeoutMs = options.timeoutMs ?? 10_000;
  let ok = 0;
  const failures: string[] = [];
  let done = false;
  const worker = async () => {
    while (!done) {
      try {
        const response = await options.pool.request({
          method: 'GET',
          path: options.path,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        await response.body.dump();
        if (response.statusCode === 200) ok++;
        else failures.push(String(response.statusCode));
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  };
  const running = Array.from({ length: options.workers }, () => worker());
  return {
    get ok() {
      return ok;
    },
    get failures() {
      return failures;
    },
    get total() {
      return ok + failures.length;
    },
    async stop() {
      done = true;
      await Promise.all(running);
    },
  };
}

/**
 * Keeps the load on a little longer after a change (at least 300 more requests, and `minRequests` in all),
 * then stops it: the requests that must span the change.
 */
export async function finishAfterChange(load: SteadyLoad, minRequests: number): Promise<void> {
  const atEnd = load.total;
  const deadline = Date.now() + 60_000;
  while (load.total < Math.max(atEnd + 300, minRequests)) {
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await load.stop();
}
