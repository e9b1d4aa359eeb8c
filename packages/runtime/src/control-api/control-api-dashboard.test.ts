import type { SystemStatus } from '@opsloop/contracts';
import type { Service } from '@opsloop/kit';
import { goldenSignalFleetQueries, goldenSignalQueries } from '@opsloop/telemetry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EndpointRegistry } from '../registry/registry.js';
import { createControlApi } from './control-api.js';
import { newToken, TokenStore } from './tokens.js';

const STATUS: SystemStatus = { system: 'shop', startedAt: '2024-05-01T12:00:00.000Z', services: [] };
const ADMIN = newToken();
const OPERATOR = newToken();
const VIEWER = newToken();
const DISCOVERY = newToken();

describe('control API: whoami and golden-signal queries for the dashboard', () => {
  let api: Service;

  beforeEach(async () => {
    const tokens = new TokenStore();
    tokens.add(ADMIN, 'admin');
    tokens.add(OPERATOR, 'operator', 'ops-alice');
    tokens.add(VIEWER, 'viewer', 'dashboard-1a2b3c');
    tokens.add(DISCOVERY, 'discovery');
    api = await createControlApi({
      port: 0,
      tokens,
      registry: new EndpointRegistry(),
      status: () => STATUS,
      requestShutdown: () => {},
      logDestination: { write: () => {} },
    });
  });

  afterEach(async () => {
    await api.app.close();
  });

  const get = (url: string, token?: string) =>
    api.app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it.each([
    ['admin', 'admin', ADMIN],
    ['ops-alice', 'operator', OPERATOR],
    ['dashboard-1a2b3c', 'viewer', VIEWER],
    ['discovery', 'discovery', DISCOVERY],
  ])('whoami names the calling token: %s (%s)', async (name, role, token) => {
    const response = await get('/v1/whoami', token);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ name, role });
  });

  it('whoami without a valid token is 401', async () => {
    expect((await get('/v1/whoami')).statusCode).toBe(401);
    expect((await get('/v1/whoami', newToken())).statusCode).toBe(401);
  });

  it("gives one service's golden signals, over the asked window (1m by default)", async () => {
    const response = await get('/v1/signals?service=cart', VIEWER);
    expect(response.statusCode).toBe(200);
    const { signals } = response.json<{ signals: Record<string, string>[] }>();
    expect(signals).toEqual(
      goldenSignalQueries('cart', { window: '1m' }).map(({ name, kind, title, unit, expr }) => ({
        name,
        kind,
        title,
        unit,
        expr,
      })),
    );
    expect(signals.find((s) => s.name === 'traffic')?.expr).toMatch(/service="cart".*\[1m\]/);
    const fiveMinutes = (await get('/v1/signals?service=cart&window=5m', VIEWER)).json<{
      signals: { name: string; expr: string }[];
    }>().signals;
    expect(fiveMinutes.find((s) => s.name === 'traffic')?.expr).toContain('[5m]');
  });

  it('without a service, gives the fleet queries (one series per service)', async () => {
    const { signals } = (await get('/v1/signals?window=30s', VIEWER)).json<{
      signals: { name: string; expr: string }[];
    }>();
    expect(signals.map((s) => s.expr)).toEqual(
      goldenSignalFleetQueries({ window: '30s' }).map((q) => q.expr),
    );
    expect(signals.every((s) => /by \(service[,)]/.test(s.expr))).toBe(true);
    expect(signals.find((s) => s.name === 'traffic')?.expr).toContain('[30s]');
  });

  it.each([
    'service=Cart',
    'service=1cart',
    'service=',
    'window=1',
    'window=5x',
    'window=1m30s',
    'window=0s',
    'window=25h',
    'window=5m%5D',
    'other=1',
  ])('refuses %s with a 400 problem', async (query) => {
    const response = await get(`/v1/signals?${query}`, VIEWER);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });

  it('signals are for readers only', async () => {
    expect((await get('/v1/signals')).statusCode).toBe(401);
    expect((await get('/v1/signals', DISCOVERY)).statusCode).toBe(403);
  });
});
