import { createHash } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError } from '@opsloop/kit';

/** One file of the bundle, held in memory. */
export interface DashboardAsset {
  body: Buffer;
  contentType: string;
  etag: string;
}

/** The built dashboard: URL path (`/index.html`, `/assets/index-1a2b.js`) to file. */
export type DashboardAssets = ReadonlyMap<string, DashboardAsset>;

/** The bundle is a few hundred kilobytes; anything near this is not a Vite build and is not read further. */
export const DASHBOARD_MAX_BYTES = 20 * 1024 * 1024;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** The page may load and call only its own origin (no CDN, no inline script, no framing). */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; " +
    "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Where the dashboard bundle is: `OPSLOOP_DASHBOARD_DIR`, else `packages/dashboard/dist` of this repository.
 * The runtime may not depend on `@opsloop/dashboard` (tools/eslint-plugin-opsloop/roles.js), so the path is
 * found from this file: `packages/runtime/{src,dist}/control-api/` → `packages/dashboard/dist`.
 */
export function dashboardDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const configured = env.OPSLOOP_DASHBOARD_DIR?.trim();
  if (configured) return configured;
  return fileURLToPath(new URL('../../../dashboard/dist/', import.meta.url));
}

/**
 * Reads the bundle under `dir` into memory, once at start: only regular files with a known type, at most
 * {@link DASHBOARD_MAX_BYTES} in all (symbolic links, dot files and anything else are skipped). A missing
 * directory is an empty bundle.
 */
export async function loadDashboardAssets(
  dir: string,
  maxBytes = DASHBOARD_MAX_BYTES,
): Promise<Map<string, DashboardAsset>> {
  const assets = new Map<string, DashboardAsset>();
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch {
    return assets;
  }
  let total = 0;
  for (const entry of entries.sort()) {
    const segments = entry.split(sep);
    if (segments.some((s) => s.startsWith('.'))) continue;
    const contentType = CONTENT_TYPES[extname(entry).toLowerCase()];
    if (contentType === undefined) continue;
    const file = join(dir, entry);
    const stats = await lstat(file).catch(() => undefined);
    if (stats === undefined || !stats.isFile() || total + stats.size > maxBytes) continue;
    const body = await readFile(file).catch(() => undefined);
    if (body === undefined) continue;
    total += body.length;
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    assets.set(`/${relative(dir, file).split(sep).join('/')}`, { body, contentType, etag });
  }
  return assets;
}

/** Whether `If-None-Match` names this entity tag (or `*`); weak comparison, as RFC 9110 asks for GET. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}

function send(request: FastifyRequest, reply: FastifyReply, asset: DashboardAsset, cacheControl: string) {
  void reply.headers({ ...SECURITY_HEADERS, 'cache-control': cacheControl, etag: asset.etag });
  if (matches(request.headers['if-none-match'], asset.etag)) return reply.code(304).send();
  return reply.type(asset.contentType).send(asset.body);
}

/**
 * The dashboard's routes: `/` and `/index.html` (revalidated every time), `/assets/*` (content-hashed
 * names: cached for a year) and any other top-level file of the bundle. Public (no `roles`): the bundle
 * holds no data, and the page signs in with a token it gets in its URL fragment. Lookups are in the map
 * only, so no request reaches the file system.
 */
export function registerDashboardRoutes(app: FastifyInstance, assets: DashboardAssets): void {
  const index = assets.get('/index.html');
  const page = (request: FastifyRequest, reply: FastifyReply) => {
    if (index === undefined) {
      void reply.headers(SECURITY_HEADERS);
      throw new ProblemError('dashboardNotBuilt', {
        detail: 'the dashboard is not built: run npm run build',
      });
    }
    return send(request, reply, index, 'no-cache');
  };
  app.get('/', page);
  app.get('/index.html', page);
  app.get('/assets/*', (request, reply) => {
    const name = (request.params as { '*'?: string })['*'] ?? '';
    const asset = assets.get(`/assets/${name}`);
    if (asset === undefined)
      throw new ProblemError('resourceNotFound', { detail: `the dashboard has no asset "${name}"` });
    return send(request, reply, asset, IMMUTABLE);
  });
  for (const [path, asset] of assets) {
    // Only plain top-level names: `:` or `*` would be route parameters to Fastify.
    if (path === '/index.html' || !/^\/[\w.-]+$/.test(path)) continue;
    app.get(path, (request, reply) => send(request, reply, asset, 'no-cache'));
  }
}
