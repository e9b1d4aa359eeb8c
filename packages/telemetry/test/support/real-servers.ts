import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * Real Prometheus-API servers for the adapter and conformance suites. `.ci/run` installs them from Debian
 * and names the binaries in OPSLOOP_TEST_PROMETHEUS_BIN / OPSLOOP_TEST_VICTORIA_METRICS_BIN; when a
 * variable is unset the suite is skipped (a developer's `npm test` needs no server), when it is set the
 * server must start.
 */
export const PROMETHEUS_BIN = process.env.OPSLOOP_TEST_PROMETHEUS_BIN ?? '';
export const VICTORIA_METRICS_BIN = process.env.OPSLOOP_TEST_VICTORIA_METRICS_BIN ?? '';

/** A server process listening on loopback. */
export interface RealServer {
  readonly url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, output: () => string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms: ${output()}`);
}

function launch(bin: string, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => text };
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

/** What {@link startPrometheus} scrapes and enables besides the remote-write receiver. */
export interface PrometheusSetup {
  /** `host:port` targets scraped every second under job `test` (none by default). */
  scrapeTargets?: readonly string[];
  /** `--enable-feature` values, e.g. `exemplar-storage`. */
  features?: readonly string[];
}

/**
 * Starts Prometheus on 127.0.0.1 with the remote-write receiver on, storing in `dir`: tests load it with
 * exactly the samples the embedded store holds (and, with `scrapeTargets`, it scrapes loopback targets).
 */
export async function startPrometheus(dir: string, setup: PrometheusSetup = {}): Promise<RealServer> {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const config = join(dir, 'prometheus.yml');
  const targets = setup.scrapeTargets ?? [];
  writeFileSync(
    config,
    targets.length === 0
      ? 'global:\n  scrape_interval: 15s\nscrape_configs: []\n'
      : `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: test\n    static_configs:\n      - targets: ${JSON.stringify(targets)}\n`,
  );
  const port = await freePort();
  const { child, output } = launch(PROMETHEUS_BIN, [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-remote-write-receiver',
    '--storage.tsdb.retention.time=3650d',
    '--log.level=warn',
    ...(setup.features ?? []).map((feature) => `--enable-feature=${feature}`),
  ]);
  const url = `http://127.0.0.1:${port}`;
  const stop = stopper(child);
  try {
    await waitReady(`${url}/-/ready`, child, output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

/** Starts VictoriaMetrics on 127.0.0.1 storing in `dir`, with no search latency offset (fresh data visible). */
export async function startVictoriaMetrics(dir: string): Promise<RealServer> {
  const port = await freePort();
  const { child, output } = launch(VICTORIA_METRICS_BIN, [
    `-storageDataPath=${dir}`,
    `-httpListenAddr=127.0.0.1:${port}`,
    '-retentionPeriod=100y',
    '-search.latencyOffset=0s',
    '-loggerLevel=ERROR',
  ]);
  const url = `http://127.0.0.1:${port}`;
  const stop = stopper(child);
  try {
    await waitReady(`${url}/health`, child, output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}
