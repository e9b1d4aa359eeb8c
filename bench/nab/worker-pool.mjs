// A fixed pool of bench workers with one FIFO queue of jobs.
import { Worker } from 'node:worker_threads';

export class WorkerPool {
  #idle = [];
  #queue = [];
  #pending = new Map();
  #workers = [];
  #nextId = 0;

  /** Starts `size` workers; resolves when every one has loaded the corpus. */
  static async start(size, workerData) {
    const pool = new WorkerPool();
    await Promise.all(
      Array.from({ length: size }, () => {
        const worker = new Worker(new URL('./worker.mjs', import.meta.url), { workerData });
        pool.#workers.push(worker);
        return new Promise((resolve, reject) => {
          worker.once('error', reject);
          worker.on('message', (message) => {
            if (message.ready) {
              pool.#idle.push(worker);
              resolve();
            } else pool.#finished(worker, message);
          });
        });
      }),
    );
    return pool;
  }

  /** Queues a job; `shouldSkip()` is asked when its turn comes (e.g. its detector already failed). */
  run(job, shouldSkip = () => false) {
    return new Promise((resolve, reject) => {
      this.#queue.push({ job: { ...job, id: this.#nextId++ }, shouldSkip, resolve, reject });
      this.#dispatch();
    });
  }

  #dispatch() {
    while (this.#idle.length > 0 && this.#queue.length > 0) {
      const entry = this.#queue.shift();
      if (entry.shouldSkip()) {
        entry.resolve({ skipped: true });
        continue;
      }
      const worker = this.#idle.pop();
      this.#pending.set(entry.job.id, entry);
      worker.postMessage(entry.job);
    }
  }

  #finished(worker, message) {
    const entry = this.#pending.get(message.id);
    this.#pending.delete(message.id);
    this.#idle.push(worker);
    if (message.error) entry.reject(new Error(message.error));
    else entry.resolve(message);
    this.#dispatch();
  }

  async close() {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}
