import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SystemStatus } from '@opsloop/contracts';
import type { Service } from '@opsloop/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EndpointRegistry } from '../registry/registry.js';
import { createControlApi } from './control-api.js';
import { dashboardDir, loadDashboardAssets } from './dashboard-assets.js';
import { newToken, TokenStore } from './tokens.js';

const STATUS: SystemStatus = { system: 'shop', startedAt: '2024-05-01T12:00:00.000Z', services: [] };
const VIEWER = newToken();
const INDEX =
  '<!doctype html><title>opsloop</title><script type="module" src="/assets/index-Ab12.js"></script>';
const SCRIPT = 'console.log("dashboard");';

let dir: string;
let api: Service | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opsloop-dashboard-'));
});

afterEach(async () => {
  await api?.app.close();
  api = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** A built bundle in `dir`, with things that must not be served next to it. */
async function writeBundle(root: string): Promise<void> {
  await mkdir(join(root, 'assets', 'nested'), { recursive: true });
  await writeFile(join(root, 'index.html'), INDEX);
  await writeFile(join(root, 'assets', 'index-Ab12.js'), SCRIPT);
  await writeFile(join(root, 'assets', 'index-Cd34.css'), 'body{margin:0}');
  await writeFile(join(root, 'assets', 'nested', 'logo.svg'), '<svg/>');
  await writeFile(join(root, 'favicon.ico'), Buffer.from([0, 0, 1, 0]));
  await writeFile(join(root, '.env'), 'SECRET=1');
  await writeFile(join(root, 'assets', 'notes.md'), '# not served');
  await writeFile(join(dir, 'outside.txt'), 'outside the bundle');
  await symlink(join(dir, 'outside.txt'), join(root, 'assets', 'link.txt'));
}

async function serve(bundle: string): Promise<Service> {
  const tokens = new TokenStore();
  tokens.add(VIEWER, 'viewer');
  api = await createControlApi({
    port: 0,
    tokens,
    registry: new EndpointRegistry(),
    status: () => STATUS,
    requestShutdown: () => {},
    logDestination: { write: () => {} },
    dashboard: { dir: bundle },
  });
  return api;
}

describe('loadDashboardAssets', () => {
  it('reads regular files of known types only, with types and content etags', async () => {
    const bundle = join(dir, 'dist');
    await writeBundle(bundle);
    const assets = await loadDashboardAssets(bundle);
    expect([...assets.keys()].sort()).toEqual([
      '/assets/index-Ab12.js',
      '/assets/index-Cd34.css',
      '/assets/nested/logo.svg',
      '/favicon.ico',
      '/index.html',
    ]);
    expect(assets.get('/assets/index-Ab12.js')).toMatchObject({
      body: Buffer.from(SCRIPT),
      contentType: 'text/javascript; charset=utf-8',
    });
    expect(assets.get('/assets/nested/logo.svg')?.contentType).toBe('image/svg+xml');
    const etags = [...assets.values()].map((a) => a.etag);
    expect(new Set(etags).size).toBe(etags.length);
    expect(etags[0]).toMatch(/^"[\w-]{27}"$/);
  });

  it('stops at the size budget and treats a missing directory as an empty bundle', async () => {
    const bundle = join(dir, 'dist');
    await writeBundle(bundle);
    const small = await loadDashboardAssets(bundle, INDEX.length + SCRIPT.length);
    expect(small.has('/index.html')).toBe(false);
    expect(small.has('/assets/index-Ab12.js')).toBe(true);
    expect((await loadDashboardAssets(join(dir, 'missing'))).size).toBe(0);
  });
});

describe('dashboardDir', () => {
  it('takes OPSLOOP_DASHBOARD_DIR, else the dashboard package next to the runtime', () => {
    expect(dashboardDir({ OPSLOOP_DASHBOARD_DIR: '/srv/dash' })).toBe('/srv/dash');
    expect(dashboardDir({})).toMatch(/packages\/dashboard\/dist\/?$/);
  });
});

describe('the dashboard on the control API', () => {
  it('serves index.html at / without a token, revalidated, with the security headers', async () => {
    const bundle = join(dir, 'dist');
    await writeBundle(bundle);
    const app = (await serve(bundle)).app;
    for (const url of ['/', '/index.html']) {
      const page = await app.inject({ method: 'GET', url });
      expect(page.statusCode).toBe(200);
      expect(page.body).toBe(INDEX);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['cache-control']).toBe('no-cache');
      expect(page.headers['content-security-policy']).toContain("default-src 'self'");
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      expect(page.headers['referrer-policy']).toBe('no-referrer');
    }
    // Everything else still needs a token.
    expect((await app.inject({ method: 'GET', url: '/v1/status' })).statusCode).toBe(401);
  });

  it('serves hashed assets as immutable and answers If-None-Match with 304', async () => {
    const bundle = join(dir, 'dist');
    await writeBundle(bundle);
    const app = (await serve(bundle)).app;
    const script = await app.inject({ method: 'GET', url: '/assets/index-Ab12.js' });
    expect(script.statusCode).toBe(200);
    expect(script.body).toBe(SCRIPT);
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const etag = String(script.headers.etag);
    const again = await app.inject({
      method: 'GET',
      url: '/assets/index-Ab12.js',
      headers: { 'if-none-match': `"other", W/${etag}` },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const changed = await app.inject({
      method: 'GET',
      url: '/',
      headers: { 'if-none-match': etag },
    });
    expect(changed.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/assets/nested/logo.svg' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/favicon.ico' })).headers['content-type']).toBe(
      'image/x-icon',
    );
  });

  it('serves nothing outside the map: unknown, skipped or traversing paths are 404', async () => {
    const bundle = join(dir, 'dist');
    await writeBundle(bundle);
    const app = (await serve(bundle)).app;
    for (const url of [
      '/assets/missing.js',
      '/assets/notes.md',
      '/assets/link.txt',
      '/assets/../index.html/../../outside.txt',
      '/assets/%2e%2e/%2e%2e/outside.txt',
      '/.env',
    ]) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.body).not.toContain('outside the bundle');
    }
  });

  it('answers / with a 503 problem naming the fix when the bundle is not built', async () => {
    const app = (await serve(join(dir, 'missing'))).app;
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({
      type: 'https://opsloop.dev/problems/dashboard-not-built',
      detail: 'the dashboard is not built: run npm run build',
    });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });
});
