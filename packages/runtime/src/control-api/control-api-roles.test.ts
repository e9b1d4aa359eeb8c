import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceStatus, SystemStatus } from '@opsloop/contracts';
import type { Service } from '@opsloop/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EndpointRegistry } from '../registry/registry.js';
import { openAuditLog, type AuditLog } from './audit-log.js';
import { createControlApi, ScaleError } from './control-api.js';
import { newToken, TokenStore } from './tokens.js';

const STATUS: SystemStatus = { system: 'shop', startedAt: '2024-05-01T12:00:00.000Z', services: [] };
const ADMIN = newToken();
const OPERATOR = newToken();
const VIEWER = newToken();
const DISCOVERY = newToken();

describe('control API: roles, audit, tokens, scale', () => {
  let dir: string;
  let api: Service;
  let audit: AuditLog;
  let tokens: TokenStore;
  let scaled: { service: string; replicas: number }[];
  let applied: { services: string[]; dryRun: boolean }[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsloop-control-roles-'));
    tokens = new TokenStore();
    tokens.add(ADMIN, 'admin');
    tokens.add(OPERATOR, 'operator', 'ops-alice');
    tokens.add(VIEWER, 'viewer', 'dash');
    tokens.add(DISCOVERY, 'discovery');
    audit = await openAuditLog(join(dir, 'audit.log'));
    scaled = [];
    applied = [];
    api = await createControlApi({
      port: 0,
      tokens,
      registry: new EndpointRegistry(),
      status: () => STATUS,
      requestShutdown: () => {},
      logDestination: { write: () => {} },
      audit,
      saveTokens: () => tokens.save(join(dir, 'tokens.json')),
      apply: (spec, dryRun) => {
        applied.push({ services: Object.keys(spec.services), dryRun });
        return Promise.resolve([{ service: 'catalog', action: 'create', replicas: 1 }]);
      },
      scale: (service, replicas) => {
        if (service !== 'catalog')
          return Promise.reject(new ScaleError(`no service named "${service}"`, 'not-found'));
        scaled.push({ service, replicas });
        const status: ServiceStatus = {
          name: service,
          desiredReplicas: replicas,
          readyReplicas: 0,
          exposed: null,
          replicas: [],
        };
        return Promise.resolve(status);
      },
    });
  });

  afterEach(async () => {
    await api.app.close();
    await audit.close();
    await rm(dir, { recursive: true, force: true });
  });

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, token?: string, payload?: unknown) =>
    api.app.inject({
      method,
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });

  it.each([
    ['viewer', VIEWER, 200, 403, 403, 403],
    ['operator', OPERATOR, 200, 200, 403, 403],
    ['admin', ADMIN, 200, 200, 200, 200],
    ['discovery', DISCOVERY, 403, 403, 403, 403],
  ])(
    '%s: status %i, scale %i, tokens %i, audit %i',
    async (_role, token, status, scale, list, auditStatus) => {
      expect((await call('GET', '/v1/status', token)).statusCode).toBe(status);
      expect((await call('POST', '/v1/services/catalog/scale', token, { replicas: 3 })).statusCode).toBe(
        scale,
      );
      expect((await call('GET', '/v1/tokens', token)).statusCode).toBe(list);
      expect((await call('GET', '/v1/audit', token)).statusCode).toBe(auditStatus);
    },
  );

  it('audits every mutating call and every refusal with who, what and the result; not reads', async () => {
    await call('GET', '/v1/status', VIEWER);
    await call('POST', '/v1/services/catalog/scale', OPERATOR, { replicas: 2 });
    await call('POST', '/v1/services/catalog/scale', VIEWER, { replicas: 9 });
    await call('GET', '/v1/status');
    await call('POST', '/v1/services/nope/scale', ADMIN, { replicas: 1 });
    const records = await audit.tail(100);
    expect(records.map((r) => [r.actor?.name ?? null, r.method, r.route, r.status, r.result])).toEqual([
      ['ops-alice', 'POST', '/v1/services/:service/scale', 200, 'ok'],
      ['dash', 'POST', '/v1/services/:service/scale', 403, 'refused'],
      [null, 'GET', '/v1/status', 401, 'refused'],
      ['admin', 'POST', '/v1/services/:service/scale', 404, 'rejected'],
    ]);
    expect(records[0]).toMatchObject({ params: { service: 'catalog' }, summary: 'catalog scaled to 2' });
    expect(scaled).toEqual([{ service: 'catalog', replicas: 2 }]);
    // The log is a file of JSON lines, readable only by its owner.
    expect((await stat(join(dir, 'audit.log'))).mode & 0o777).toBe(0o600);
  });

  it('refuses a bad scale body with problem+json and changes nothing', async () => {
    for (const body of [{}, { replicas: -1 }, { replicas: 1.5 }, { replicas: '3' }, { replicas: 101 }]) {
      const response = await call('POST', '/v1/services/catalog/scale', ADMIN, body);
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
    expect(scaled).toEqual([]);
  });

  it('apply: admin only, validates the spec with every problem listed, audits what changed', async () => {
    const good =
      'apiVersion: opsloop.dev/v1alpha1\nkind: System\nmetadata: { name: shop }\nservices:\n  catalog:\n    command: [node, c.js]\n';
    expect((await call('POST', '/v1/apply', OPERATOR, { spec: good })).statusCode).toBe(403);
    const bad = await call('POST', '/v1/apply', ADMIN, {
      spec: good.replace('command: [node, c.js]', 'command: []\n    replicas: -1'),
      file: 'my.yaml',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ type: 'https://opsloop.dev/problems/validation-failed' });
    expect(bad.json<{ detail: string }>().detail).toMatch(
      /^my\.yaml: .*services\.catalog\.command.*services\.catalog\.replicas/,
    );
    expect((await call('POST', '/v1/apply', ADMIN, { spec: 'a: [' })).statusCode).toBe(400);
    expect(applied).toEqual([]);

    const dry = await call('POST', '/v1/apply', ADMIN, { spec: good, dryRun: true });
    expect(dry.json()).toEqual({
      dryRun: true,
      changes: [{ service: 'catalog', action: 'create', replicas: 1 }],
    });
    expect((await call('POST', '/v1/apply', ADMIN, { spec: good })).statusCode).toBe(200);
    expect(applied).toEqual([
      { services: ['catalog'], dryRun: true },
      { services: ['catalog'], dryRun: false },
    ]);
    const summaries = (await audit.tail(10)).map((r) => r.summary ?? null);
    expect(summaries).toContain('catalog: created (1 replica)');
  });

  it('mints a named token that works with its role, lists it without the secret, and revokes it', async () => {
    const created = await call('POST', '/v1/tokens', ADMIN, { name: 'ci', role: 'viewer' });
    expect(created.statusCode).toBe(201);
    const { token, role, name } = created.json<{ token: string; role: string; name: string }>();
    expect([name, role]).toEqual(['ci', 'viewer']);
    expect((await call('GET', '/v1/status', token)).statusCode).toBe(200);
    expect((await call('POST', '/v1/services/catalog/scale', token, { replicas: 1 })).statusCode).toBe(403);

    const listed = await call('GET', '/v1/tokens', ADMIN);
    expect(listed.body).not.toContain(token);
    expect(listed.json<{ tokens: { name: string }[] }>().tokens.map((t) => t.name)).toContain('ci');
    // Persisted as a hash only.
    const file = await readFile(join(dir, 'tokens.json'), 'utf8');
    expect(file).toContain('"ci"');
    expect(file).not.toContain(token);

    expect((await call('POST', '/v1/tokens', ADMIN, { name: 'ci', role: 'admin' })).statusCode).toBe(409);
    expect((await call('POST', '/v1/tokens', ADMIN, { name: 'x', role: 'discovery' })).statusCode).toBe(400);
    expect((await call('DELETE', '/v1/tokens/ci', ADMIN)).statusCode).toBe(204);
    expect((await call('GET', '/v1/status', token)).statusCode).toBe(401);
    expect((await call('DELETE', '/v1/tokens/ci', ADMIN)).statusCode).toBe(404);
    const summaries = (await audit.tail(10)).map((r) => r.summary ?? null);
    expect(summaries).toContain('token ci (viewer) created');
    expect(summaries).toContain('token ci revoked');
  });
});

describe('TokenStore: named, hashed, persistent tokens', () => {
  it('expires tokens at their time, survives a save and load, and never stores the token', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opsloop-tokens-'));
    try {
      let now = Date.parse('2030-01-01T00:00:00Z');
      const store = new TokenStore({ now: () => now });
      const { token } = store.create('alice', 'operator', 3600);
      expect(store.identify(`Bearer ${token}`)).toEqual({ name: 'alice', role: 'operator' });
      await store.save(join(dir, 'tokens.json'));
      expect((await stat(join(dir, 'tokens.json'))).mode & 0o777).toBe(0o600);
      expect(await readFile(join(dir, 'tokens.json'), 'utf8')).not.toContain(token);

      const reloaded = new TokenStore({ now: () => now });
      await reloaded.load(join(dir, 'tokens.json'));
      expect(reloaded.identify(`Bearer ${token}`)).toEqual({ name: 'alice', role: 'operator' });
      now += 3600_000;
      expect(reloaded.identify(`Bearer ${token}`)).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad names and a corrupt file with a clear error', async () => {
    const store = new TokenStore();
    expect(() => store.create('Bad Name', 'viewer')).toThrow(/not valid/);
    const dir = await mkdtemp(join(tmpdir(), 'opsloop-tokens-'));
    try {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(dir, 'tokens.json'), '{"version":1,"tokens":[{"name":1}]}');
      await expect(store.load(join(dir, 'tokens.json'))).rejects.toThrow(/not a valid token file/);
      await expect(store.load(join(dir, 'missing.json'))).resolves.toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
