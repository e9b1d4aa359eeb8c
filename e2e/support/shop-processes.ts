import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedBroker, registerBrokerRoutes, type EmbeddedBroker } from '@opsloop/bus';
import { createService, type Service } from '@opsloop/kit';
import { loadOrCreatePgliteTemplateFile, PGLITE_TEMPLATE_FILE } from '@opsloop/store';
import { repoRoot, waitFor } from './stack.js';

/** The shop's services this harness can run (built: `node services/<name>/dist/main.js`). */
export type ShopServiceName = 'catalog' | 'users' | 'cart' | 'inventory' | 'payments' | 'orders' | 'checkout';

/** Options of {@link startShop}. */
export interface ShopOptions {
  /** The services to run, started together. */
  services: readonly ShopServiceName[];
  /** Extra environment per service. */
  env?: Partial<Record<ShopServiceName, Record<string, string>>>;
  /** How long a service may take to become ready (first starts run initdb in WebAssembly). */
  readyTimeoutMs?: number;
}

/** A running set of shop processes on 127.0.0.1 with static discovery and per-run databases. */
export interface Shop {
  /** The run's temporary directory (databases under `data/`, the bus under `bus/`). */
  readonly dir: string;
  /** `http://127.0.0.1:<port>` of a service (stable across restarts). */
  url(name: ShopServiceName): string;
  /** The pid of a running service. */
  pid(name: ShopServiceName): number | undefined;
  /** SIGKILLs a service and waits for it to be gone. */
  kill(name: ShopServiceName): Promise<void>;
  /**
   * Starts a service (again) on its port and data directory, with `env` on top of its usual environment
   * (a value of undefined removes a variable); waits until it is ready unless `wait` is false.
   */
  start(name: ShopServiceName, env?: Record<string, string | undefined>, wait?: boolean): Promise<void>;
  /** Waits until the service's process has exited (e.g. killed by its own crash hook); its exit signal. */
  exited(name: ShopServiceName, timeoutMs?: number): Promise<NodeJS.Signals | number | null>;
  /** The last output of a service (for failure messages). */
  output(name: ShopServiceName): string;
  /** Stops everything (SIGTERM, SIGKILL after a grace period) and removes the directory. */
  stop(): Promise<void>;
}

const OUTPUT_LIMIT = 64 * 1024;

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

/**
 * The PGlite template every service database of a run starts from, made once per machine and PGlite version
 * (one initdb in WebAssembly: seconds of CPU) and copied into each run's DATA_DIR, where the services look
 * for it before making their own.
 */
async function seedPgliteTemplate(dataDir: string): Promise<void> {
  const { version } = JSON.parse(
    readFileSync(join(repoRoot, 'node_modules/@electric-sql/pglite/package.json'), 'utf8'),
  ) as { version: string };
  const cached = join(tmpdir(), `opsloop-e2e-pglite-template-${version}.tar`);
  await loadOrCreatePgliteTemplateFile(cached);
  mkdirSync(dataDir, { recursive: true });
  copyFileSync(cached, join(dataDir, PGLITE_TEMPLATE_FILE));
}

interface Running {
  child: ChildProcess;
  exit: Promise<NodeJS.Signals | number | null>;
}

/**
 * Starts the given shop services as built processes on free 127.0.0.1 ports, with `OPSLOOP_ENDPOINTS` static
 * discovery between them, one temporary `DATA_DIR` for the run, and an embedded event bus served from this
 * process. Always `stop()` it (in afterAll).
 */
export async function startShop(options: ShopOptions): Promise<Shop> {
  const dir = mkdtempSync(join(tmpdir(), 'opsloop-shop-'));
  const readyTimeoutMs = options.readyTimeoutMs ?? 240_000;
  const token = randomBytes(16).toString('hex');
  let broker: EmbeddedBroker | undefined;
  let brokerService: Service | undefined;
  const running = new Map<ShopServiceName, Running>();
  const outputs = new Map<ShopServiceName, string>();
  const ports = new Map<ShopServiceName, number>();

  const url = (name: ShopServiceName) => {
    const port = ports.get(name);
    if (port === undefined) throw new Error(`${name} is not part of this shop`);
    return `http://127.0.0.1:${port}`;
  };

  async function stopAll(): Promise<void> {
    const all = [...running.values()];
    for (const { child } of all)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.all(
      all.map(async ({ child, exit }) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
        await exit;
        clearTimeout(timer);
      }),
    );
    running.clear();
    await brokerService?.shutdown('test over');
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  }

  try {
    await seedPgliteTemplate(join(dir, 'data'));
    broker = await createEmbeddedBroker({ dir: join(dir, 'bus') });
    const served = broker;
    brokerService = await createService({
      name: 'bus-broker',
      version: '0.0.0',
      env: { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
      setup: ({ app }) => registerBrokerRoutes(app, served, { token }),
    });
    const busUrl = await brokerService.listen();
    for (const name of options.services) ports.set(name, await freePort());
    const endpoints = options.services.map((name) => `${name}=${url(name)}`).join(';');

    const baseEnv = (name: ShopServiceName): Record<string, string> => ({
      PATH: process.env.PATH ?? '',
      PORT: String(ports.get(name)),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      OPSLOOP_INSTANCE: `${name}-1`,
      DATA_DIR: join(dir, 'data'),
      OPSLOOP_ENDPOINTS: endpoints,
      OPSLOOP_BUS_URL: busUrl,
      OPSLOOP_BUS_TOKEN: token,
      ...options.env?.[name],
    });

    const spawnService = (name: ShopServiceName, extra: Record<string, string | undefined>): Running => {
      const env: Record<string, string> = { ...baseEnv(name) };
      for (const [key, value] of Object.entries(extra)) {
        if (value === undefined) delete env[key];
        else env[key] = value;
      }
      const child = spawn(process.execPath, [join(repoRoot, `services/${name}/dist/main.js`)], {
        cwd: repoRoot,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const append = (chunk: Buffer) => {
        const text = (outputs.get(name) ?? '') + chunk.toString();
        outputs.set(name, text.length > OUTPUT_LIMIT ? text.slice(-OUTPUT_LIMIT) : text);
      };
      child.stdout?.on('data', append);
      child.stderr?.on('data', append);
      const exit = new Promise<NodeJS.Signals | number | null>((resolve) =>
        child.once('exit', (code, signal) => resolve(signal ?? code)),
      );
      return { child, exit };
    };

    const waitReady = async (name: ShopServiceName, process: Running) => {
      let last = 'no answer';
      try {
        await waitFor(
          `${name} to be ready`,
          async () => {
            if (process.child.exitCode !== null || process.child.signalCode !== null) {
              throw new Error(
                `${name} exited (${process.child.exitCode ?? process.child.signalCode}):\n${outputs.get(name) ?? ''}`,
              );
            }
            const response = await fetch(`${url(name)}/readyz`).catch(() => undefined);
            if (response !== undefined) last = `${response.status} ${await response.text()}`;
            return response?.status === 200 ? true : undefined;
          },
          readyTimeoutMs,
        );
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`${reason}\n/readyz: ${last}\noutput:\n${(outputs.get(name) ?? '').slice(-4000)}`);
      }
    };

    const shop: Shop = {
      dir,
      url,
      pid: (name) => running.get(name)?.child.pid,
      async kill(name) {
        const current = running.get(name);
        if (current === undefined) return;
        current.child.kill('SIGKILL');
        await current.exit;
        running.delete(name);
      },
      async start(name, env = {}, wait = true) {
        const current = running.get(name);
        if (current !== undefined && current.child.exitCode === null && current.child.signalCode === null)
          throw new Error(`${name} is still running`);
        outputs.set(name, '');
        const started = spawnService(name, env);
        running.set(name, started);
        if (wait) await waitReady(name, started);
      },
      async exited(name, timeoutMs = 30_000) {
        const current = running.get(name);
        if (current === undefined) throw new Error(`${name} is not running`);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(new Error(`${name} did not exit within ${timeoutMs} ms:\n${outputs.get(name) ?? ''}`)),
            timeoutMs,
          );
        });
        try {
          const result = await Promise.race([current.exit, timeout]);
          running.delete(name);
          return result;
        } finally {
          clearTimeout(timer);
        }
      },
      output: (name) => outputs.get(name) ?? '',
      stop: stopAll,
    };

    // Start everything at once: services find each other through discovery and retry until ready.
    await Promise.all(options.services.map((name) => shop.start(name)));
    return shop;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** JSON over HTTP with a status, for tests. */
export async function call<T = Record<string, unknown>>(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; headers: Headers; body: T }> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text === '' ? {} : JSON.parse(text)) as T,
  };
}
