import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { failingChecks, httpProbe, probeResultOf } from './http-probe.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function serve(status: number, body: string, delayMs = 0): Promise<string> {
  server = createServer((_req, res) => {
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    }, delayMs);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`;
}

describe('httpProbe', () => {
  it('passes on 2xx, and a failure names the failing /readyz checks', async () => {
    expect(await httpProbe(await serve(200, '{"status":"ready"}'), 2000)).toEqual({ ok: true });
    await new Promise((resolve) => server!.close(resolve));
    const body = JSON.stringify({
      status: 'not ready',
      checks: [
        { name: 'database', ok: false, error: 'query failed: connection refused' },
        { name: 'bus', ok: true },
      ],
    });
    expect(await httpProbe(await serve(503, body), 2000)).toEqual({
      ok: false,
      detail: 'HTTP 503: database: query failed: connection refused',
    });
  });

  it('says a timeout and a refused connection in words', async () => {
    expect(await httpProbe(await serve(200, '{}', 500), 100)).toEqual({
      ok: false,
      detail: 'timed out after 100 ms',
    });
    expect(await httpProbe('http://127.0.0.1:1/readyz', 1000)).toEqual({ ok: false, detail: 'ECONNREFUSED' });
  });
});

describe('failingChecks', () => {
  it('lists failing checks, bounded; nothing for other bodies', () => {
    expect(failingChecks('{"checks":[{"name":"cache","ok":false}]}')).toBe('cache');
    expect(failingChecks('not json')).toBeUndefined();
    expect(failingChecks('{"checks":[{"name":"a","ok":true}]}')).toBeUndefined();
    expect(failingChecks('{"checks":"x"}')).toBeUndefined();
    const long = failingChecks(
      JSON.stringify({ checks: [{ name: 'db', ok: false, error: 'x'.repeat(500) }] }),
    );
    expect(long?.length).toBe(160);
    expect(long?.endsWith('…')).toBe(true);
  });

  it('takes a plain boolean from a test runner as a result', () => {
    expect(probeResultOf(false)).toEqual({ ok: false });
    expect(probeResultOf({ ok: false, detail: 'd' })).toEqual({ ok: false, detail: 'd' });
  });
});
