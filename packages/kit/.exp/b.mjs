import { createService } from '/work/main/packages/kit/dist/index.js';
import { request, Client } from 'undici';
let release; const gate = new Promise((r) => (release = r));
let entered; const inHandler = new Promise((r) => (entered = r));
const svc = await createService({ name: 'demo', version: '1.0.0', env: { LOG_LEVEL: 'silent', SHUTDOWN_TIMEOUT_MS: '5000' },
  setup({ app }) { app.get('/slow', async () => { entered(); await gate; return { done: true }; }); } });
const url = await svc.listen();
console.log(url);
const warm = new Client(url);
console.log('warm', (await warm.request({ path: '/livez', method: 'GET' })).statusCode);
const slow = request(`${url}/slow`, { reset: process.env.RESET === "1" });
await inHandler;
const t0 = Date.now();
const done = svc.shutdown('test');
console.log('draining', svc.readiness.draining);
for (let i = 0; i < 20; i++) {
  try {
    const r = await request(`${url}/readyz`, { reset: true });
    console.log('new conn', i, r.statusCode, await r.body.text());
  } catch (e) { console.log('new conn', i, e.code ?? e.message); break; }
}
try { const r = await warm.request({ path: '/readyz', method: 'GET' }); console.log('warm', r.statusCode, await r.body.text()); } catch (e) { console.log('warm err', e.code, e.message); }
release();
const res = await slow; console.log('slow', res.statusCode, await res.body.text(), res.headers.connection);
console.log('shutdown', await done, Date.now() - t0);
await warm.close();
