import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpScrapeFetch } from './http-scrape-fetch.js';

describe('createHttpScrapeFetch', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/metrics') {
        res.setHeader('content-type', 'text/plain; version=0.0.4');
        res.end(`accept ${JSON.stringify(req.headers.accept)}\n`);
      } else if (req.url === '/big') res.end('x'.repeat(4096));
      else if (req.url === '/slow') setTimeout(() => res.end('late'), 2000).unref();
      else {
        res.statusCode = 503;
        res.end('no');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('asks for OpenMetrics first, the text format as fallback, and returns the body with its type', async () => {
    const body = await createHttpScrapeFetch()(`${base}/metrics`, 2000);
    if (typeof body === 'string') throw new Error('expected the body with its content type');
    expect(body.text).toContain('"application/openmetrics-text;version=1.0.0,');
    expect(body.text).toContain('text/plain;version=0.0.4;q=0.5');
    expect(body.contentType).toBe('text/plain; version=0.0.4');
  });

  it('fails on a non-200 status, an oversized body and a timeout', async () => {
    await expect(createHttpScrapeFetch()(`${base}/down`, 2000)).rejects.toThrow('HTTP status 503');
    await expect(createHttpScrapeFetch({ maxBodyBytes: 1024 })(`${base}/big`, 2000)).rejects.toThrow(
      'body size limit',
    );
    await expect(createHttpScrapeFetch()(`${base}/slow`, 100)).rejects.toThrow();
  });
});
