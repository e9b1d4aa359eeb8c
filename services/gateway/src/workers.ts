import cluster, { type Worker } from 'node:cluster';
import { EXIT_CONFIG } from '@opsloop/kit';

/** Options of {@link superviseWorkers}. */
export interface WorkerSupervisorOptions {
  workers: number;
  /** Pause before replacing a worker that died, so a crash loop does not spin. */
  restartDelayMs?: number;
}

/**
 * The primary of a multi-process gateway (`GATEWAY_WORKERS` > 1): forks the workers, which share the
 * listening port through node:cluster (the primary accepts and hands connections round-robin), replaces a
 * worker that dies, and on SIGTERM/SIGINT (or when its own supervisor goes away) asks every worker to drain
 * and exits when they have. A worker's config error (exit 78) stops the whole gateway with the same code.
 */
export function superviseWorkers(options: WorkerSupervisorOptions): void {
  let stopping = false;
  let exitCode = 0;
  const live = new Set<Worker>();

  const fork = (index: number): void => {
    // Each worker is its own instance in logs and metrics.
    const instance = process.env.OPSLOOP_INSTANCE;
    const worker = cluster.fork({
      GATEWAY_WORKER_INDEX: String(index),
      ...(instance ? { OPSLOOP_INSTANCE: `${instance}-w${index}` } : {}),
    });
    live.add(worker);
    worker.on('exit', (code) => {
      live.delete(worker);
      if (code === EXIT_CONFIG) {
        exitCode = EXIT_CONFIG;
        stop();
      }
      if (stopping) {
        if (live.size === 0) process.exit(exitCode);
        return;
      }
      setTimeout(() => fork(index), options.restartDelayMs ?? 1_000).unref();
    });
  };

  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    for (const worker of live) worker.process.kill('SIGTERM');
    if (live.size === 0) process.exit(exitCode);
  };

  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  if (process.send !== undefined) process.once('disconnect', stop);
  for (let i = 0; i < options.workers; i++) fork(i);
}
