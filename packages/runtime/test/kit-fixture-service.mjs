// Test support for chaos-live.test.ts: the smallest service built on the kit (createService through
// runService), so it has the kit's probes, /metrics and, with OPSLOOP_FAULT_TOKEN set (the runtime sets it
// for every replica), the fault endpoint and the HTTP fault hook. It answers GET /hello.
import { runService } from '@opsloop/kit';

await runService({
  name: 'kitapp',
  version: '1.0.0',
  setup({ app }) {
    app.get('/hello', () => ({ hello: 'world', pid: process.pid }));
  },
});
