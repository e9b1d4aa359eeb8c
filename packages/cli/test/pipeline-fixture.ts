// Test support: a tiny project with a pipeline section, whose one service can be made to break under load.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The service: `/hello` answers its greeting; `/metrics` the request histogram the runtime's canary analysis
 * reads. A broken version answers its first requests well (a smoke check passes) and then fails every other
 * one: only traffic finds it.
 */
function server(greeting: string, broken: boolean): string {
  return String.raw`
import { createServer } from 'node:http';

const GREETING = ${JSON.stringify(greeting)};
const BROKEN = ${broken};
let ok = 0;
let failed = 0;
let hellos = 0;
if (process.channel) process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
const histogram = (status, count) => [
  'http_server_request_duration_seconds_bucket{status="' + status + '",le="0.01"} ' + count,
  'http_server_request_duration_seconds_bucket{status="' + status + '",le="+Inf"} ' + count,
  'http_server_request_duration_seconds_sum{status="' + status + '"} ' + count * 0.001,
  'http_server_request_duration_seconds_count{status="' + status + '"} ' + count,
];
const server = createServer((request, response) => {
  const path = (request.url ?? '/').split('?')[0];
  if (path === '/livez' || path === '/readyz') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"status":"ok"}');
    return;
  }
  if (path === '/metrics') {
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(['# TYPE http_server_request_duration_seconds histogram', ...histogram(200, ok), ...histogram(500, failed)].join('\n') + '\n');
    return;
  }
  if (path === '/hello') {
    hellos++;
    if (BROKEN && hellos > 5 && hellos % 2 === 0) {
      failed++;
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end('{"error":"broken"}');
      return;
    }
    ok++;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ greeting: GREETING }));
    return;
  }
  response.writeHead(404);
  response.end();
});
server.listen(Number(process.env.PORT), '127.0.0.1');
`;
}

const SPEC = `apiVersion: opsloop.dev/v1alpha1
kind: System
metadata:
  name: hello
services:
  web:
    command: [node, dist/server.mjs]
    replicas: 2
    drainSeconds: 0
    expose: { port: 0 }
    probes:
      liveness: { path: /livez, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 3 }
      readiness: { path: /readyz, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 2 }
environments:
  staging:
    replicas: { web: 1 }
  production:
    replicas: { web: 2 }
pipeline:
  lint: [node, --check, src/server.mjs]
  test: [node, test.mjs]
  build: [node, build.mjs]
  release:
    include: ['dist/**', 'package.json']
  smoke:
    - { service: web, path: /hello }
  staging: staging
  production: production
  deployTimeoutSeconds: 120
  canary:
    steps: [50]
    analysis: { intervalSeconds: 3, minRequests: 30, maxInconclusive: 30, method: statistical }
    requestsPerSecond: 25
    timeoutSeconds: 180
`;

/** Writes the project (version `greeting`, broken or not) into `dir`. */
export async function writeFixture(dir: string, greeting: string, broken = false): Promise<void> {
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'src', 'server.mjs'), server(greeting, broken));
  await writeFile(join(dir, 'opsloop.yaml'), SPEC);
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'hello', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  await writeFile(
    join(dir, 'package-lock.json'),
    `${JSON.stringify({ name: 'hello', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'hello', version: '1.0.0' } } }, null, 2)}\n`,
  );
  await writeFile(
    join(dir, 'build.mjs'),
    "import { cpSync, mkdirSync } from 'node:fs';\nmkdirSync('dist', { recursive: true });\ncpSync('src/server.mjs', 'dist/server.mjs');\n",
  );
  await writeFile(
    join(dir, 'test.mjs'),
    "import { readFileSync } from 'node:fs';\nif (!readFileSync('src/server.mjs', 'utf8').includes('/readyz')) { console.error('no readiness endpoint'); process.exit(1); }\n",
  );
}
