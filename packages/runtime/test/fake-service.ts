// Test support for the supervisor and runtime tests: a tiny HTTP service run as a real child process, and
// bounded polling. Not part of the package build (packages/runtime/tsconfig.json includes only src/).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The fake service, switched by environment variables:
 * - `FAIL_LIVENESS=1`: `/livez` answers 500; `FAIL_READINESS=1`: `/readyz` answers 503;
 * - `EXIT_AFTER_MS=n`: exits with code 3 after n ms;
 * - `IGNORE_TERM=1`: SIGTERM is logged and ignored (otherwise it is logged and the process exits 0).
 * `ECHO_VAR=NAME`: prints NAME's value at start and answers it as `echo`; `READ_FILE=path`: answers that
 * file's content (under `$OPSLOOP_FILES_DIR`) as `fileContent`.
 * `/metrics` answers Prometheus text (requests served, CPU). Any other path answers JSON describing the replica. It prints `fake listening on <port> pid=<pid>` on
 * stdout once listening and one line on stderr, and exits if its parent goes away (the IPC channel the
 * supervisor opens disconnects), so a crashed test run leaves no orphan.
 */
const FAKE_SERVICE = String.raw`
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const env = process.env;
const say = (line) => process.stdout.write(line + '\n');

process.on('SIGTERM', () => {
  if (env.IGNORE_TERM === '1') {
    say('ignoring SIGTERM');
    return;
  }
  say('got SIGTERM');
  server.close();
  server.closeAllConnections();
  process.stdout.write('', () => process.exit(0));
});
if (process.channel) process.on('disconnect', () => process.exit(0));

let served = 0;
let failed = 0;
const errorEvery = Number(env.ERROR_RATE ?? 0) > 0 ? Math.round(1 / Number(env.ERROR_RATE)) : 0;
const server = createServer((request, response) => {
  const path = (request.url ?? '/').split('?')[0];
  if (path === '/metrics') {
    // Prometheus text like prom-client's: requests served (a histogram) and CPU, for the autoscaler.
    const cpu = process.cpuUsage();
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    const lines = [
      '# TYPE http_server_request_duration_seconds histogram',
      'http_server_request_duration_seconds_bucket{status="200",le="0.01"} ' + (served - failed),
      'http_server_request_duration_seconds_bucket{status="200",le="+Inf"} ' + (served - failed),
      'http_server_request_duration_seconds_sum{status="200"} ' + (served - failed) * 0.001,
      'http_server_request_duration_seconds_count{status="200"} ' + (served - failed),
      'http_server_request_duration_seconds_bucket{status="500",le="0.01"} ' + failed,
      'http_server_request_duration_seconds_bucket{status="500",le="+Inf"} ' + failed,
      'http_server_request_duration_seconds_sum{status="500"} ' + failed * 0.001,
      'http_server_request_duration_seconds_count{status="500"} ' + failed,
      '# TYPE process_cpu_seconds_total counter',
      'process_cpu_seconds_total ' + (cpu.user + cpu.system) / 1e6,
    ];
    response.end(lines.join(String.fromCharCode(10)) + String.fromCharCode(10));
    return;
  }
  if (path !== '/livez' && path !== '/readyz') served++;
  if (path === '/livez') {
    response.writeHead(env.FAIL_LIVENESS === '1' ? 500 : 200, { 'content-type': 'application/json' });
    response.end('{"status":"ok"}');
    return;
  }
  if (path === '/readyz') {
    response.writeHead(env.FAIL_READINESS === '1' ? 503 : 200, { 'content-type': 'application/json' });
    response.end('{"status":"ready"}');
    return;
  }
  if (errorEvery > 0 && served % errorEvery === 0) {
    failed++;
    response.writeHead(500, { 'content-type': 'application/json' });
    response.end('{"error":"injected"}');
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({
      path,
      pid: process.pid,
      port: Number(env.PORT),
      host: env.HOST ?? null,
      service: env.OPSLOOP_SERVICE ?? null,
      instance: env.OPSLOOP_INSTANCE ?? null,
      discoveryUrl: env.OPSLOOP_DISCOVERY_URL ?? null,
      discoveryToken: env.OPSLOOP_DISCOVERY_TOKEN ?? null,
      busUrl: env.OPSLOOP_BUS_URL ?? null,
      busToken: env.OPSLOOP_BUS_TOKEN ?? null,
      flagsUrl: env.OPSLOOP_FLAGS_URL ?? null,
      filesDir: env.OPSLOOP_FILES_DIR ?? null,
      tlsDir: env.OPSLOOP_TLS_DIR ?? null,
      rpcCallers: env.OPSLOOP_RPC_CALLERS ?? null,
      echo: env.ECHO_VAR ? env[env.ECHO_VAR] ?? null : null,
      fileContent: env.READ_FILE ? readFileSync(join(env.OPSLOOP_FILES_DIR, env.READ_FILE), 'utf8') : null,
      flagsToken: env.OPSLOOP_FLAGS_TOKEN ?? null,
      greeting: env.GREETING ?? null,
      leaked: env.NOT_INHERITED ?? null,
    }),
  );
});

if (env.ECHO_VAR) say(env.ECHO_VAR + ' is ' + env[env.ECHO_VAR]);
server.listen(Number(env.PORT), env.HOST ?? '127.0.0.1', () => {
  say('fake listening on ' + server.address().port + ' pid=' + process.pid);
  process.stderr.write('fake stderr line\n');
});

if (env.EXIT_AFTER_MS) {
  setTimeout(() => {
    say('exiting with code 3');
    process.exit(3);
  }, Number(env.EXIT_AFTER_MS));
}
`;

/** A temporary directory holding `fake-service.mjs`. */
export interface FakeServiceDir {
  dir: string;
  script: string;
  remove(): Promise<void>;
}

/** Writes the fake service into a fresh temporary directory. */
export async function writeFakeService(prefix = 'opsloop-fake-'): Promise<FakeServiceDir> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const script = join(dir, 'fake-service.mjs');
  await writeFile(script, FAKE_SERVICE);
  return { dir, script, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Polls `check` every `intervalMs` until it returns something other than undefined/false and returns that; a
 * bound, not a timing assertion: it fails only if the condition never holds within `timeoutMs`.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** True once no process with this pid exists (`kill(pid, 0)` fails with ESRCH). */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Last-resort cleanup: SIGKILL a replica's process group (it runs detached), ignoring ESRCH. */
export function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
