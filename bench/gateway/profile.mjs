// A profiling aid for the gateway's hot path (not a benchmark): starts a catalog replica, a key-set
// stand-in and the gateway with every feature on, drives wrk at it with a valid token, and prints the
// gateway's CPU time per request (user+system, from /proc: steadier than req/s on a shared machine).
// PROF=1 also writes a V8 CPU profile (node --cpu-prof) into PROF_DIR (default /tmp).
// Env: D (wrk duration, 8s), W (GATEWAY_WORKERS, 1), C (connections, 50), URL_PATH.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

const root = new URL('../../', import.meta.url).pathname;
const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'EdDSA' }] });
const token = await new SignJWT({})
  .setProtectedHeader({ alg: 'EdDSA', kid: 'bench' })
  .setSubject('profile-user')
  .setIssuer('opsloop-shop')
  .setAudience('opsloop-shop')
  .setExpirationTime('2h')
  .sign(privateKey);
const [usersPort, catalogPort, gatewayPort] = [await freePort(), await freePort(), await freePort()];
const users = createHttpServer((_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
users.listen(usersPort, '127.0.0.1');
const env = { PATH: process.env.PATH, LOG_LEVEL: 'warn' };
const catalog = spawn('node', ['services/catalog/dist/main.js'], {
  cwd: root,
  env: { ...env, PORT: String(catalogPort) },
  stdio: 'inherit',
});
const prof =
  process.env.PROF === '1' ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF_DIR ?? '/tmp'}`] : [];
const gateway = spawn('node', [...prof, 'services/gateway/dist/main.js'], {
  cwd: root,
  env: {
    ...env,
    PORT: String(gatewayPort),
    ROUTES: '/api/products=catalog',
    PUBLIC_ROUTES: 'POST /api/users',
    OPSLOOP_ENDPOINTS: `catalog=http://127.0.0.1:${catalogPort};users=http://127.0.0.1:${usersPort}`,
    RATE_LIMIT_RPS: '1000000',
    RATE_LIMIT_BURST: '1000000',
    GATEWAY_WORKERS: process.env.W ?? '1',
  },
  stdio: 'inherit',
});
const url = `http://127.0.0.1:${gatewayPort}${process.env.URL_PATH ?? '/api/products?limit=5'}`;
const headers = { authorization: `Bearer ${token}` };
for (let i = 0; i < 100; i++) {
  try {
    if ((await fetch(url, { headers })).status === 200) break;
  } catch {
    // not up yet
  }
  await new Promise((r) => setTimeout(r, 100));
}
/** CPU seconds of a process, user and system, from /proc. */
const cpuOf = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
};
const allCpu = () => {
  // With workers, add the primary's live children.
  const total = cpuOf(gateway.pid);
  try {
    for (const child of readFileSync(`/proc/${gateway.pid}/task/${gateway.pid}/children`, 'utf8').split(
      ' ',
    )) {
      if (!child.trim()) continue;
      const c = cpuOf(child.trim());
      total.user += c.user;
      total.system += c.system;
    }
  } catch {
    // no children file
  }
  return total;
};
const before = { gateway: allCpu(), catalog: cpuOf(catalog.pid) };
const wrk = spawn(
  'wrk',
  [
    '-t2',
    `-c${process.env.C ?? 50}`,
    `-d${process.env.D ?? '8s'}`,
    '--latency',
    '-H',
    `authorization: Bearer ${token}`,
    '-H',
    'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    url,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let out = '';
wrk.stdout.on('data', (chunk) => (out += chunk));
await new Promise((resolve) => wrk.on('close', resolve));
const after = { gateway: allCpu(), catalog: cpuOf(catalog.pid) };
const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
const p99 = /99%\s+(\S+)/.exec(out)?.[1];
const us = (a, b) =>
  `user ${(((b.user - a.user) * 1e6) / requests).toFixed(0)} + sys ${(((b.system - a.system) * 1e6) / requests).toFixed(0)} µs/req`;
console.log(
  `req/s ${rps}  p99 ${p99}  gateway ${us(before.gateway, after.gateway)}  catalog ${us(before.catalog, after.catalog)}  ${/Non-2xx.*/.exec(out)?.[0] ?? ''}`,
);
gateway.kill('SIGTERM');
catalog.kill('SIGTERM');
users.close();
await new Promise((resolve) => gateway.on('exit', resolve));
