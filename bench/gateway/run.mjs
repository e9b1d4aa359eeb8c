// `npm run bench:gateway`: the opsloop gateway in front of one catalog replica vs Debian nginx `proxy_pass`
// in front of the same replica, same load (wrk on loopback), side by side in one run. Prints a table and
// writes bench/results/gateway.json. Needs `apt-get install -y nginx wrk`.
import { spawn, execFileSync, execSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const duration = process.env.BENCH_DURATION ?? '10s';
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);

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

const waitHttp = async (url) => {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
};

const wrk = (url, seconds = duration) => {
  const out = execFileSync('wrk', ['-t2', `-c${connections}`, `-d${seconds}`, '--latency', url], {
    encoding: 'utf8',
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p99raw = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99 = p99raw ? Number(p99raw[1]) * { us: 0.001, ms: 1, s: 1000 }[p99raw[2]] : NaN;
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  return { rps, p99, errors: Number(errors) };
};

const catalogPort = await freePort();
const gatewayPort = await freePort();
const nginxPort = await freePort();
const catalog = `http://127.0.0.1:${catalogPort}`;
start('node', ['services/catalog/dist/main.js'], { PORT: String(catalogPort), LOG_LEVEL: 'warn' });
start('node', ['services/gateway/dist/main.js'], {
  PORT: String(gatewayPort),
  LOG_LEVEL: 'warn',
  ROUTES: '/api/products=catalog',
  OPSLOOP_ENDPOINTS: `catalog=${catalog}`,
});
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
await waitHttp(`${catalog}${path}`);
await waitHttp(`http://127.0.0.1:${gatewayPort}${path}`);
await waitHttp(`http://127.0.0.1:${nginxPort}${path}`);

// Warm both paths, then alternate rounds so drift on a shared machine hits both alike.
wrk(`http://127.0.0.1:${gatewayPort}${path}`, '3s');
wrk(`http://127.0.0.1:${nginxPort}${path}`, '3s');
const gateway = [];
const nginx = [];
for (let i = 0; i < rounds; i++) {
  gateway.push(wrk(`http://127.0.0.1:${gatewayPort}${path}`));
  nginx.push(wrk(`http://127.0.0.1:${nginxPort}${path}`));
}
stopAll();
rmSync(nginxDir, { recursive: true, force: true });

const best = (runs) => runs.reduce((a, b) => (b.rps > a.rps ? b : a));
const g = best(gateway);
const n = best(nginx);
const result = {
  benchmark: 'gateway',
  date: new Date().toISOString(),
  commit: execSync('git rev-parse --short HEAD', { cwd: root }).toString().trim(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  load: { tool: 'wrk', threads: 2, connections, duration, path, rounds },
  features:
    'request ids, JSON request logs, RED metrics, route table, retries, problem+json (no auth, rate limiting or tracing yet)',
  gatewayRps: Math.round(g.rps),
  nginxRps: Math.round(n.rps),
  ratio: Math.round((g.rps / n.rps) * 1000) / 1000,
  gatewayP99Ms: Math.round(g.p99 * 100) / 100,
  nginxP99Ms: Math.round(n.p99 * 100) / 100,
  errors: { gateway: g.errors, nginx: n.errors },
};
writeFileSync(join(root, 'bench/results/gateway.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log('proxy in front of one catalog replica   req/s      p99 ms   non-2xx');
console.log(
  `opsloop gateway                      ${String(result.gatewayRps).padStart(8)}  ${String(result.gatewayP99Ms).padStart(9)}  ${g.errors}`,
);
console.log(
  `nginx proxy_pass                     ${String(result.nginxRps).padStart(8)}  ${String(result.nginxP99Ms).padStart(9)}  ${n.errors}`,
);
console.log(`ratio (gateway / nginx throughput)   ${result.ratio}   (goal ≥ 0.6)`);
