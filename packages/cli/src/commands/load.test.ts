import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeStateFile } from '@opsloop/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.js';
import { load } from './load.js';
import {
  DEFAULT_LOAD_DURATION_SECONDS,
  DEFAULT_LOAD_RATE_PER_SECOND,
  LOAD_USAGE_EXIT,
  parseLoadFlags,
} from './load-options.js';
import type { LoadSummary } from './load-summary.js';

describe('opsloop load: flags', () => {
  it('has defaults, and parses every flag', () => {
    expect(parseLoadFlags({})).toEqual({
      target: undefined,
      rate: DEFAULT_LOAD_RATE_PER_SECOND,
      durationSeconds: DEFAULT_LOAD_DURATION_SECONDS,
      output: 'table',
      run: {},
    });
    expect(
      parseLoadFlags({
        rate: '200',
        duration: '1m30s',
        target: 'http://127.0.0.1:8080',
        mix: 'storefront=1',
        think: '100-500',
        source: '127.0.0.2',
        seed: '7',
        output: 'json',
      }),
    ).toEqual({
      target: 'http://127.0.0.1:8080',
      rate: 200,
      durationSeconds: 90,
      output: 'json',
      run: { mix: { storefront: 1 }, thinkTimeMs: [100, 500], sourceAddress: '127.0.0.2', seed: 7 },
    });
    expect(parseLoadFlags({ duration: '2.5' }).durationSeconds).toBe(2.5);
    expect(parseLoadFlags({ duration: '500ms', rate: '0.5' })).toMatchObject({
      durationSeconds: 0.5,
      rate: 0.5,
    });
    expect(parseLoadFlags({ target: 'http://localhost:8080/', source: '::1' }).run).toEqual({
      sourceAddress: '::1',
    });
    expect(parseLoadFlags({ clients: '64' }).run).toEqual({ clients: 64 });
  });

  it.each([
    [{ rate: '0' }, '--rate'],
    [{ rate: 'fast' }, '--rate'],
    [{ rate: '-5' }, '--rate'],
    [{ duration: '0s' }, '--duration'],
    [{ duration: 'soon' }, '--duration'],
    [{ duration: '2d' }, '--duration'],
    [{ target: 'http://10.0.0.1:8080' }, 'not a loopback address'],
    [{ target: 'ftp://127.0.0.1' }, '--target'],
    [{ target: 'gateway' }, '--target'],
    [{ mix: 'shopping=1' }, '--mix: unknown journey'],
    [{ think: 'a-b' }, '--think'],
    [{ think: '500-100' }, '--think'],
    [{ source: '10.0.0.2' }, '--source'],
    [{ source: 'me' }, '--source'],
    [{ clients: '0' }, '--clients'],
    [{ clients: 'many' }, '--clients'],
    [{ clients: '8', source: '127.0.0.2' }, '--clients: give --source or --clients, not both'],
    [{ seed: '-1' }, '--seed'],
    [{ output: 'yaml' }, '-o/--output'],
  ])('refuses %j on one line, exit 2', (flags, says) => {
    let caught: unknown;
    try {
      parseLoadFlags(flags);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CliError);
    const error = caught as CliError;
    expect(error.exitCode).toBe(LOAD_USAGE_EXIT);
    expect(error.message).toContain(says);
    expect(error.message).not.toContain('\n');
  });
});

/** A tiny real shop on 127.0.0.1: the storefront and the products the browse journey reads. */
interface TinyShop {
  url: string;
  /** Requests received, by `METHOD /path` (query left out). */
  counts: Map<string, number>;
  close(): Promise<void>;
}

async function startTinyShop(): Promise<TinyShop> {
  const products = Array.from({ length: 5 }, () => ({ id: randomUUID() }));
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const key = `${req.method} ${path.startsWith('/api/products/') ? '/api/products/{id}' : path}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const json = (body: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (path === '/api/storefront') return json({ featured: [] });
    if (path === '/api/products') return json({ items: products, nextCursor: null });
    if (path.startsWith('/api/products/')) return json(products[0]);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('opsloop load: a run', () => {
  let shop: TinyShop;
  let dir: string;

  beforeAll(async () => {
    shop = await startTinyShop();
    dir = await mkdtemp(join(tmpdir(), 'opsloop-load-'));
  });

  afterAll(async () => {
    await shop.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("loads the running system's gateway (from the state file) and prints the JSON summary", async () => {
    // A state file as the runtime writes it; this test process stands in for the runtime (alive).
    await writeStateFile(dir, {
      pid: process.pid,
      system: 'shop',
      specPath: join(dir, 'opsloop.yaml'),
      startedAt: new Date().toISOString(),
      controlUrl: 'http://127.0.0.1:1',
      token: 't',
      endpoints: { gateway: shop.url },
    });
    let printed = '';
    const code = await load({
      file: join(dir, 'opsloop.yaml'),
      stateDir: dir,
      rate: '20',
      duration: '1s',
      mix: 'browse=1,storefront=1',
      seed: '5',
      output: 'json',
      write: (text) => (printed += text),
    });
    expect(code).toBe(0);
    const summary = JSON.parse(printed) as LoadSummary;
    expect(Object.keys(summary)).toEqual(['target', 'durationSeconds', 'rate', 'endpoints', 'total']);
    expect(summary.target).toBe(shop.url);
    expect(summary.rate).toBe(20);
    expect(summary.durationSeconds).toBeGreaterThanOrEqual(1);
    expect(summary.durationSeconds).toBeLessThan(30);
    expect(summary.endpoints.map((e) => e.endpoint)).toContain('GET /api/storefront');
    for (const row of [...summary.endpoints, summary.total]) {
      expect(Object.keys(row)).toEqual(['endpoint', 'requests', 'errors', 'p50Ms', 'p99Ms']);
      expect(row.errors).toBe(0);
      expect(row.p50Ms).toBeGreaterThan(0);
      expect(row.p50Ms!).toBeLessThanOrEqual(row.p99Ms!);
    }
    expect(summary.total.endpoint).toBe('total');
    expect(summary.total.requests).toBe(summary.endpoints.reduce((sum, e) => sum + e.requests, 0));
    expect(summary.total.requests).toBe([...shop.counts.values()].reduce((a, b) => a + b, 0));
  });

  it('prints the table by default, against --target', async () => {
    let printed = '';
    const code = await load({
      file: join(dir, 'none.yaml'),
      stateDir: join(dir, 'nothing-here'),
      target: shop.url,
      rate: '10',
      duration: '1',
      mix: 'storefront=1',
      write: (text) => (printed += text),
    });
    expect(code).toBe(0);
    expect(printed).toMatch(/^endpoint\s+count\s+ok\s+errors\s+p50 ms/m);
    expect(printed).toMatch(/^GET \/api\/storefront\s+\d+/m);
    expect(printed).toMatch(/^total\s+\d+/m);
  });

  it('says so when no system is running and no --target is given', async () => {
    await expect(load({ file: join(dir, 'x.yaml'), stateDir: join(dir, 'empty') })).rejects.toThrow(
      /no runtime is running/,
    );
  });
});
