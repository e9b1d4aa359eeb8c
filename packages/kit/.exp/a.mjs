import { createService } from '/work/main/packages/kit/dist/index.js';
const lines = [];
const svc = await createService({ name: 'demo', version: '1.0.0', env: {}, logDestination: { write: (l) => lines.push(l) },
  setup({ app }) {
    app.post('/items', async (req) => ({ got: req.body }));
    app.get('/items/:id', async (req) => ({ id: req.params.id }));
  } });
for (const [ct, payload] of [['text/plain', 'hello'], ['application/xml', '<a/>'], ['application/json', ''], ['application/json', '{bad']]) {
  const r = await svc.app.inject({ method: 'POST', url: '/items', headers: { 'content-type': ct }, payload });
  console.log(ct, r.statusCode, r.headers['content-type'], r.body);
}
let r = await svc.app.inject({ method: 'GET', url: '/nope?x=1' });
console.log(r.statusCode, r.body);
r = await svc.app.inject({ method: 'GET', url: '/items/5' });
r = await svc.app.inject({ method: 'GET', url: '/metrics' });
console.log(r.body.split('\n').filter(l => /http_server_request_duration_seconds_bucket|process_cpu|eventloop_lag/.test(l)).slice(0, 8).join('\n'));
console.log(lines.slice(-2).join(''));
await svc.shutdown('x');
