import type { SystemStatus } from '@opsloop/contracts';
import type { Service } from '@opsloop/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RolloutActionName, RolloutStatus } from '../reconcile/rollout-status.js';
import { EndpointRegistry } from '../registry/registry.js';
import { createControlApi, ScaleError } from './control-api.js';
import { newToken, TokenStore } from './tokens.js';

const STATUS: SystemStatus = { system: 'shop', startedAt: '2024-05-01T12:00:00.000Z', services: [] };
const OPERATOR = newToken();
const VIEWER = newToken();

const rolloutOf = (service: string): RolloutStatus => ({
  service,
  strategy: 'Canary',
  revision: 'bbbbbbbbbb',
  stableRevision: 'aaaaaaaaaa',
  desiredReplicas: 2,
  updatedReplicas: 1,
  readyReplicas: 3,
  paused: false,
  complete: false,
  history: [],
});

describe('control API: promote, abort, releases', () => {
  let api: Service;
  let actions: { service: string; action: RolloutActionName }[];

  beforeEach(async () => {
    const tokens = new TokenStore();
    tokens.add(OPERATOR, 'operator', 'ops');
    tokens.add(VIEWER, 'viewer', 'dash');
    actions = [];
    api = await createControlApi({
      port: 0,
      tokens,
      registry: new EndpointRegistry(),
      status: () => STATUS,
      requestShutdown: () => {},
      logDestination: { write: () => {} },
      releases: () => [
        {
          group: 'contract',
          phase: 'rolled-back',
          startedAt: '2024-05-01T12:00:00.000Z',
          message: 'checkout was rolled back',
          members: [{ service: 'orders', from: 'aaaaaaaaaa', to: 'bbbbbbbbbb', state: 'rolled-back' }],
        },
      ],
      rollout: {
        status: rolloutOf,
        action: (service, action) => {
          if (service !== 'catalog')
            return Promise.reject(new ScaleError('no service named "x"', 'not-found'));
          if (action === 'abort')
            return Promise.reject(new ScaleError('catalog has no rollout in progress to abort', 'invalid'));
          actions.push({ service, action });
          return Promise.resolve(rolloutOf(service));
        },
      },
    });
  });

  afterEach(async () => {
    await api.app.close();
  });

  const call = (method: 'GET' | 'POST', url: string, token: string) =>
    api.app.inject({ method, url, headers: { authorization: `Bearer ${token}` } });

  it('lets operators promote (a canary step, or --full) and refuses viewers', async () => {
    expect((await call('POST', '/v1/services/catalog/rollout/promote', VIEWER)).statusCode).toBe(403);
    expect((await call('POST', '/v1/services/catalog/rollout/promote', OPERATOR)).statusCode).toBe(200);
    expect((await call('POST', '/v1/services/catalog/rollout/promote-full', OPERATOR)).statusCode).toBe(200);
    expect(actions).toEqual([
      { service: 'catalog', action: 'promote' },
      { service: 'catalog', action: 'promote-full' },
    ]);
  });

  it('answers 409 when there is nothing to abort, 404 for an unknown service, 400 for an unknown action', async () => {
    const conflict = await call('POST', '/v1/services/catalog/rollout/abort', OPERATOR);
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toMatchObject({ detail: 'catalog has no rollout in progress to abort' });
    expect((await call('POST', '/v1/services/nope/rollout/promote', OPERATOR)).statusCode).toBe(404);
    const bad = await call('POST', '/v1/services/catalog/rollout/skip', OPERATOR);
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
  });

  it('shows releases to viewers', async () => {
    const answer = await call('GET', '/v1/releases', VIEWER);
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ releases: [{ group: 'contract', phase: 'rolled-back' }] });
  });
});
