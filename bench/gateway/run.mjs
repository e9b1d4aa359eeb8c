// `npm run bench:gateway`: the opsloop gateway in front of one catalog replica vs Debian nginx `proxy_pass`
// in front of the same replica, same load (wrk on loopback), side by side in one run. Prints a table and
// writes bench/results/gateway.json. Needs `apt-get install -y nginx wrk`.
//
// The gateway runs with every request feature ON: the catalog route is made protected (PUBLIC_ROUTES does
// not list it), wrk sends a valid EdDSA bearer token (signed here, verified by the gateway against a JWKS
// served by a stand-in of the users service), every request takes a token from its user's rate-limit bucket
// and gets RateLimit-* headers (the limit is set above the offered load, so nothing is refused), a W3C
// traceparent is continued and forwarded, x-user-id is set, and the usual request ids, JSON logs (at warn),
// RED metrics, route table and retry policy stay on. Signed-in requests bypass the response cache, so this
// measures the proxy path, not cache hits. nginx does none of these.
import { spawn, execFileSync, execSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

const root = new URL('../../', import.meta.url).pathname;
const duration = process.env.BENCH_DURATION ?? '10s';
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
// Like for like: nginx runs `worker_processes auto` (one per core), so the gateway gets as many processes.
const workers = Number(process.env.GATEWAY_WORKERS ?? cpus().length);

for (const tool of ['wrk', 'nginx']) {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
  } catch {
    console.error(`bench:gateway needs ${tool}: apt-get install -y nginx wrk`);
    process.exit(1);
  }
}

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

const children = [];
const start = (command, args, env = {}) => {
  const child = spawn(command, args, {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
};
const stopAll = () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
};
process.on('exit', stopAll);

const waitHttp = async (url, headers = {}) => {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { headers });
      if (response.ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
};

// wrk runs as a child process (not execFileSync) so this process keeps serving the key set meanwhile.
const wrk = (url, seconds = duration, headers = {}) =>
  new Promise((resolve, reject) => {
    const args = ['-t2', `-c${connections}`, `-d${seconds}`, '--latency'];
    for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
    const child = spawn('wrk', [...args, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('close', () => {
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
      const p99raw = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
      const p99 = p99raw ? Number(p99raw[1]) * { us: 0.001, ms: 1, s: 1000 }[p99raw[2]] : NaN;
      const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
      resolve({ rps, p99, errors: Number(errors) });
    });
  });

// A stand-in of the users service's key set, and a token it would have issued.
const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
const jwks = JSON.stringify({
  keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'EdDSA', use: 'sig' }],
});
const token = await new SignJWT({})
  .setProtectedHeader({ alg: 'EdDSA', kid: 'bench' })
  .setSubject('bench-user')
  .setIssuer('opsloop-shop')
  .setAudience('opsloop-shop')
  .setIssuedAt()
  .setExpirationTime('2h')
  .sign(privateKey);
const usersPort = await freePort();
const users = createHttpServer((request, response) => {
  if (request.url === '/.well-known/jwks.json') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  } else response.writeHead(404).end();
}).listen(usersPort, '127.0.0.1');

const catalogPort = await freePort();
const gatewayPort = await freePort();
const nginxPort = await freePort();
const catalog = `http://127.0.0.1:${catalogPort}`;
start('node', ['services/catalog/dist/main.js'], { PORT: String(catalogPort), LOG_LEVEL: 'warn' });
const gatewayEnv = {
  PORT: String(gatewayPort),
  LOG_LEVEL: 'warn',
  ROUTES: '/api/products=catalog;/api/users=users',
  // The catalog route is protected for this run: only the sign-in routes are public.
  PUBLIC_ROUTES: 'POST /api/users; POST /api/users/login',
  OPSLOOP_ENDPOINTS: `catalog=${catalog};users=http://127.0.0.1:${usersPort}`,
  // On, and above the offered load: every request is counted, none refused.
  RATE_LIMIT_RPS: '1000000',
  RATE_LIMIT_BURST: '1000000',
  GATEWAY_WORKERS: String(workers),
};
start('node', ['services/gateway/dist/main.js'], gatewayEnv);
const nginxDir = mkdtempSync(join(tmpdir(), 'opsloop-bench-nginx-'));
for (const d of ['client', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(nginxDir, d));
writeFileSync(
  join(nginxDir, 'nginx.conf'),
  `daemon off;
worker_processes auto;
pid ${nginxDir}/nginx.pid;
error_log ${nginxDir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${nginxDir}/client; proxy_temp_path ${nginxDir}/proxy;
  fastcgi_temp_path ${nginxDir}/fastcgi; uwsgi_temp_path ${nginxDir}/uwsgi; scgi_temp_path ${nginxDir}/scgi;
  upstream catalog { server 127.0.0.1:${catalogPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${nginxPort};
    location /api/ { proxy_pass http://catalog; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`,
);
start('nginx', ['-c', join(nginxDir, 'nginx.conf'), '-p', nginxDir]);

const path = '/api/products?limit=5';
const auth = { authorization: `Bearer ${token}` };
// A fixed caller trace: the gateway continues it (new span id per request) and forwards it.
const traced = { ...auth, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
await waitHttp(`${catalog}${path}`);
await waitHttp(`http://127.0.0.1:${gatewayPort}${path}`, auth);
await waitHttp(`http://127.0.0.1:${nginxPort}${path}`);

// Prove the features are on before measuring: no token → 401; a token → 200 with rate-limit headers.
const anonymous = await fetch(`http://127.0.0.1:${gatewayPort}${path}`);
const signedIn = await fetch(`http://127.0.0.1:${gatewayPort}${path}`, { headers: traced });
if (anonymous.status !== 401 || signedIn.status !== 200 || !signedIn.headers.has('ratelimit-remaining')) {
  console.error(`gateway features not on: anonymous ${anonymous.status}, signed in ${signedIn.status}`);
  process.exit(1);
}

// The machine is shared: record how busy it was, since that moves both numbers (and their ratio).
const loadBefore = loadavg()[0];
// Warm both paths, then alternate rounds so drift on a shared machine hits both alike.
await wrk(`http://127.0.0.1:${gatewayPort}${path}`, '3s', traced);
await wrk(`http://127.0.0.1:${nginxPort}${path}`, '3s', traced);
const gateway = [];
const nginx = [];
for (let i = 0; i < rounds; i++) {
  gateway.push(await wrk(`http://127.0.0.1:${gatewayPort}${path}`, duration, traced));
  nginx.push(await wrk(`http://127.0.0.1:${nginxPort}${path}`, duration, traced));
}
stopAll();
users.close();
rmSync(nginxDir, { recursive: true, force: true });

const best = (runs) => runs.reduce((a, b) => (b.rps > a.rps ? b : a));
const g = best(gateway);
const n = best(nginx);
const result = {
  benchmark: 'gateway',
  date: new Date().toISOString(),
  commit: execSync('git rev-parse --short HEAD', { cwd: root }).toString().trim(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  load: { tool: 'wrk', threads: 2, connections, duration, path, rounds, gatewayWorkers: workers },
  // 1-minute load average before and after the measured rounds (2 cores: above ~2 means other work ran too).
  machineLoad: { before: Math.round(loadBefore * 100) / 100, after: Math.round(loadavg()[0] * 100) / 100 },
  features:
    'ON: JWT bearer auth (protected route, EdDSA token verified against the JWKS; verified tokens cached), ' +
    'rate limiting (per-user token bucket + RateLimit-* headers, limit above the offered load), W3C ' +
    'traceparent continued and forwarded, x-user-id, request ids, RED metrics, route ' +
    'table, retries, problem+json. LOG_LEVEL=warn (no per-request info line), as in earlier runs. ' +
    'Response cache not involved (signed-in requests bypass it).',
  gatewayRps: Math.round(g.rps),
  nginxRps: Math.round(n.rps),
  ratio: Math.round((g.rps / n.rps) * 1000) / 1000,
  gatewayP99Ms: Math.round(g.p99 * 100) / 100,
  nginxP99Ms: Math.round(n.p99 * 100) / 100,
  errors: { gateway: g.errors, nginx: n.errors },
  rounds: { gateway: gateway.map((r) => Math.round(r.rps)), nginx: nginx.map((r) => Math.round(r.rps)) },
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/gateway.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log('proxy in front of one catalog replica   req/s      p99 ms   non-2xx');
console.log(
  `opsloop gateway (${workers} worker${workers === 1 ? '' : 's'})          ${String(result.gatewayRps).padStart(8)}  ${String(result.gatewayP99Ms).padStart(9)}  ${g.errors}`,
);
console.log(
  `nginx proxy_pass                     ${String(result.nginxRps).padStart(8)}  ${String(result.nginxP99Ms).padStart(9)}  ${n.errors}`,
);
console.log(`ratio (gateway / nginx throughput)   ${result.ratio}   (goal ≥ 0.6)`);
