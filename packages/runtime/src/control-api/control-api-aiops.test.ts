import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Service } from '@opsloop/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EndpointRegistry } from '../registry/registry.js';
import {
  ControlRequestError,
  type ChaosApi,
  type ChaosInjectRequest,
  type IncidentApi,
} from './aiops-routes.js';
import { openAuditLog, type AuditLog } from './audit-log.js';
import { createControlApi } from './control-api.js';
import { newToken, TokenStore } from './tokens.js';

const OPERATOR = newToken();
const VIEWER = newToken();
const DISCOVERY = newToken();
const PROBLEM = 'https://opsloop.dev/problems/';

/** A fake chaos side: remembers what it was asked; `refuseWith` makes the next inject/clear throw. */
function fakeChaos() {
  const injected: ChaosInjectRequest[] = [];
  const cleared: string[] = [];
  const state = { refuseWith: undefined as ControlRequestError | undefined };
  const injections = new Map<string, { id: string; fault: string; target: string; state: string }>();
  const api: ChaosApi = {
    faults: () => [{ name: 'errors', summary: 'fails requests' }],
    list: () => [...injections.values()],
    get: (id) => injections.get(id),
    inject(request) {
      if (state.refuseWith) return Promise.reject(state.refuseWith);
      injected.push(request);
      const id = `inj-${injected.length}`;
      const injection = { id, fault: request.fault, target: request.target, state: 'active' };
      injections.set(id, injection);
      return Promise.resolve(injection);
    },
    clear(id) {
      if (state.refuseWith) return Promise.reject(state.refuseWith);
      const injection = injections.get(id);
      if (injection === undefined) return Promise.resolve(undefined);
      cleared.push(id);
      injection.state = 'cleared';
      return Promise.resolve(injection);
    },
  };
  return { api, injected, cleared, state };
}

/** A fake incident side with one incident and one proposal `p1`. */
function fakeIncidents() {
  const decisions: { id: string; decision: string; by: string; reason?: string }[] = [];
  const filters: { status?: string; limit: number }[] = [];
  const state = { refuseWith: undefined as ControlRequestError | undefined };
  const api: IncidentApi = {
    list: (filter) => {
      filters.push(filter);
      return [{ id: 'inc-1', status: 'open' }];
    },
    get: (id) => (id === 'inc-1' ? { id, status: 'open' } : undefined),
    proposals: () => [{ id: 'p1', incidentId: 'inc-1' }],
    approve(id, by) {
      if (state.refuseWith) return Promise.reject(state.refuseWith);
      if (id !== 'p1') return Promise.reject(new ControlRequestError(`no proposal ${id}`, 'not-found'));
      decisions.push({ id, decision: 'approve', by });
      return Promise.resolve({ id, status: 'executed' });
    },
    reject(id, by, reason) {
      if (id !== 'p1') return Promise.reject(new ControlRequestError(`no proposal ${id}`, 'not-found'));
      decisions.push({ id, decision: 'reject', by, reason });
      return Promise.resolve({ id, status: 'rejected' });
    },
  };
  return { api, decisions, filters, state };
}

describe('control API: chaos, incidents and remediation proposals', () => {
  let dir: string;
  let api: Service | undefined;
  let audit: AuditLog;
  let chaos: ReturnType<typeof fakeChaos>;
  let incidents: ReturnType<typeof fakeIncidents>;

  const start = async (families: { chaos?: boolean; incidents?: boolean } = {}) => {
    await api?.app.close();
    const tokens = new TokenStore();
    tokens.add(OPERATOR, 'operator', 'ops-alice');
    tokens.add(VIEWER, 'viewer', 'dash');
    tokens.add(DISCOVERY, 'discovery');
    api = await createControlApi({
      port: 0,
      tokens,
      registry: new EndpointRegistry(),
      status: () => ({ system: 'shop', startedAt: '2024-05-01T12:00:00.000Z', services: [] }),
      requestShutdown: () => {},
      logDestination: { write: () => {} },
      audit,
      ...(families.chaos === false ? {} : { chaos: chaos.api }),
      ...(families.incidents === false ? {} : { incidents: incidents.api }),
    });
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsloop-control-aiops-'));
    audit = await openAuditLog(join(dir, 'audit.log'));
    chaos = fakeChaos();
    incidents = fakeIncidents();
    await start();
  });

  afterEach(async () => {
    await api?.app.close();
    api = undefined;
    await audit.close();
    await rm(dir, { recursive: true, force: true });
  });

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, token?: string, payload?: unknown) =>
    api!.app.inject({
      method,
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });

  const expectProblem = (
    response: Awaited<ReturnType<typeof call>>,
    status: number,
    slug: string,
    detail?: RegExp,
  ) => {
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ type: `${PROBLEM}${slug}`, status });
    if (detail) expect(response.json<{ detail: string }>().detail).toMatch(detail);
  };

  const INJECT = { fault: 'errors', target: 'orders', params: { ratio: 1 }, durationSeconds: 30 };

  it('lets viewers read every family', async () => {
    await call('POST', '/v1/chaos/injections', OPERATOR, INJECT);
    expect((await call('GET', '/v1/chaos/faults', VIEWER)).json()).toEqual({
      faults: [{ name: 'errors', summary: 'fails requests' }],
    });
    expect((await call('GET', '/v1/chaos/injections', VIEWER)).json()).toEqual({
      injections: [{ id: 'inj-1', fault: 'errors', target: 'orders', state: 'active' }],
    });
    expect((await call('GET', '/v1/chaos/injections/inj-1', VIEWER)).json()).toMatchObject({ id: 'inj-1' });
    expect((await call('GET', '/v1/incidents?status=active&limit=5', VIEWER)).json()).toEqual({
      incidents: [{ id: 'inc-1', status: 'open' }],
    });
    expect(incidents.filters).toEqual([{ status: 'active', limit: 5 }]);
    await call('GET', '/v1/incidents', VIEWER);
    expect(incidents.filters[1]).toEqual({ limit: 100 });
    expect((await call('GET', '/v1/incidents/inc-1', VIEWER)).json()).toEqual({
      id: 'inc-1',
      status: 'open',
    });
    expect((await call('GET', '/v1/remediation/proposals', VIEWER)).json()).toEqual({
      proposals: [{ id: 'p1', incidentId: 'inc-1' }],
    });
  });

  it('refuses viewers every change (403 problem) and changes nothing', async () => {
    expectProblem(await call('POST', '/v1/chaos/injections', VIEWER, INJECT), 403, 'forbidden');
    await call('POST', '/v1/chaos/injections', OPERATOR, INJECT);
    expectProblem(await call('DELETE', '/v1/chaos/injections/inj-1', VIEWER), 403, 'forbidden');
    expectProblem(await call('POST', '/v1/remediation/proposals/p1/approve', VIEWER), 403, 'forbidden');
    expectProblem(await call('POST', '/v1/remediation/proposals/p1/reject', VIEWER, {}), 403, 'forbidden');
    expect(chaos.injected).toHaveLength(1);
    expect(chaos.cleared).toEqual([]);
    expect(incidents.decisions).toEqual([]);
  });

  it('refuses discovery tokens even reads, and calls without a token', async () => {
    for (const url of [
      '/v1/chaos/faults',
      '/v1/chaos/injections',
      '/v1/incidents',
      '/v1/remediation/proposals',
    ])
      expectProblem(await call('GET', url, DISCOVERY), 403, 'forbidden');
    expect((await call('GET', '/v1/incidents')).statusCode).toBe(401);
  });

  it('lets operators inject (201, params as strings, seconds as ms), clear and decide', async () => {
    const injected = await call('POST', '/v1/chaos/injections', OPERATOR, {
      ...INJECT,
      replica: 'orders-2',
      params: { ratio: 0.5, status: 503, grpc: true, mode: 'x' },
      durationSeconds: 1.5,
    });
    expect(injected.statusCode).toBe(201);
    expect(injected.json()).toMatchObject({ id: 'inj-1', state: 'active' });
    expect(chaos.injected).toEqual([
      {
        fault: 'errors',
        target: 'orders',
        replica: 'orders-2',
        params: { ratio: '0.5', status: '503', grpc: 'true', mode: 'x' },
        durationMs: 1500,
      },
    ]);
    // Without params or duration: an empty record and no durationMs.
    await call('POST', '/v1/chaos/injections', OPERATOR, { fault: 'crash', target: 'orders' });
    expect(chaos.injected[1]).toEqual({ fault: 'crash', target: 'orders', params: {} });

    const cleared = await call('DELETE', '/v1/chaos/injections/inj-1', OPERATOR);
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json()).toMatchObject({ id: 'inj-1', state: 'cleared' });
    expect(chaos.cleared).toEqual(['inj-1']);

    const approved = await call('POST', '/v1/remediation/proposals/p1/approve', OPERATOR);
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toEqual({ id: 'p1', status: 'executed' });
    await call('POST', '/v1/remediation/proposals/p1/reject', OPERATOR, { reason: 'too risky' });
    await call('POST', '/v1/remediation/proposals/p1/reject', OPERATOR, {});
    expect(incidents.decisions).toEqual([
      { id: 'p1', decision: 'approve', by: 'ops-alice' },
      { id: 'p1', decision: 'reject', by: 'ops-alice', reason: 'too risky' },
      { id: 'p1', decision: 'reject', by: 'ops-alice', reason: 'rejected' },
    ]);
  });

  it.each([
    ['an unknown key', { ...INJECT, colour: 'red' }, /colour/],
    ['a missing fault', { target: 'orders' }, /fault/],
    ['a bad target name', { ...INJECT, target: 'Orders_DB' }, /lowercase name/],
    ['a target too long', { ...INJECT, target: 'a'.repeat(64) }, /target/],
    ['a duration over a day', { ...INJECT, durationSeconds: 86_401 }, /at most a day/],
    ['a zero duration', { ...INJECT, durationSeconds: 0 }, /durationSeconds/],
    ['a duration as text', { ...INJECT, durationSeconds: '30' }, /durationSeconds/],
    ['a param of a wrong type (object)', { ...INJECT, params: { ratio: { value: 1 } } }, /params/],
    ['a param of a wrong type (array)', { ...INJECT, params: { ratio: [1] } }, /params/],
    ['params as a list', { ...INJECT, params: ['ratio=1'] }, /params/],
  ])('refuses an injection with %s: 400 validation-failed', async (_what, body, detail) => {
    const response = await call('POST', '/v1/chaos/injections', OPERATOR, body);
    expectProblem(response, 400, 'validation-failed');
    expect(JSON.stringify(response.json())).toMatch(detail);
    expect(chaos.injected).toEqual([]);
  });

  it('refuses bad queries, ids and decision bodies with 400 problems', async () => {
    expectProblem(
      await call('GET', '/v1/incidents?status=closed', VIEWER),
      400,
      'validation-failed',
      /status/,
    );
    expectProblem(await call('GET', '/v1/incidents?limit=0', VIEWER), 400, 'validation-failed');
    expectProblem(await call('GET', '/v1/incidents?colour=red', VIEWER), 400, 'validation-failed');
    expectProblem(
      await call('GET', `/v1/chaos/injections/${'x'.repeat(129)}`, VIEWER),
      400,
      'validation-failed',
    );
    expectProblem(
      await call('POST', '/v1/remediation/proposals/p1/maybe', OPERATOR),
      400,
      'validation-failed',
      /approve or reject/,
    );
    expectProblem(
      await call('POST', '/v1/remediation/proposals/p1/reject', OPERATOR, { reason: '', extra: 1 }),
      400,
      'validation-failed',
    );
    expect(incidents.decisions).toEqual([]);
  });

  it.each([
    ['invalid', 400, 'validation-failed'],
    ['not-found', 404, 'resource-not-found'],
    ['conflict', 409, 'conflict'],
    ['failed', 502, 'bad-gateway'],
  ] as const)('answers a %s refusal with %i %s, its message the detail', async (kind, status, slug) => {
    chaos.state.refuseWith = new ControlRequestError(`refused as ${kind}`, kind);
    expectProblem(
      await call('POST', '/v1/chaos/injections', OPERATOR, INJECT),
      status,
      slug,
      new RegExp(`^refused as ${kind}$`),
    );
    expectProblem(await call('DELETE', '/v1/chaos/injections/inj-1', OPERATOR), status, slug);
    incidents.state.refuseWith = new ControlRequestError(`refused as ${kind}`, kind);
    expectProblem(await call('POST', '/v1/remediation/proposals/p1/approve', OPERATOR), status, slug);
  });

  it('answers 404 for unknown ids', async () => {
    expectProblem(
      await call('GET', '/v1/chaos/injections/nope', VIEWER),
      404,
      'resource-not-found',
      /"nope"/,
    );
    expectProblem(
      await call('DELETE', '/v1/chaos/injections/nope', OPERATOR),
      404,
      'resource-not-found',
      /"nope"/,
    );
    expectProblem(await call('GET', '/v1/incidents/nope', VIEWER), 404, 'resource-not-found', /"nope"/);
    expectProblem(
      await call('POST', '/v1/remediation/proposals/nope/approve', OPERATOR),
      404,
      'resource-not-found',
    );
    expectProblem(
      await call('POST', '/v1/remediation/proposals/nope/reject', OPERATOR, {}),
      404,
      'resource-not-found',
    );
  });

  it('answers 404 with a clear detail when a family is off', async () => {
    await start({ chaos: false, incidents: false });
    for (const [method, url] of [
      ['GET', '/v1/chaos/faults'],
      ['GET', '/v1/chaos/injections'],
      ['GET', '/v1/chaos/injections/inj-1'],
      ['DELETE', '/v1/chaos/injections/inj-1'],
    ] as const)
      expectProblem(
        await call(method, url, OPERATOR),
        404,
        'resource-not-found',
        /fault injection is not available/,
      );
    expectProblem(
      await call('POST', '/v1/chaos/injections', OPERATOR, INJECT),
      404,
      'resource-not-found',
      /fault injection is not available/,
    );
    for (const [method, url] of [
      ['GET', '/v1/incidents'],
      ['GET', '/v1/incidents/inc-1'],
      ['GET', '/v1/remediation/proposals'],
      ['POST', '/v1/remediation/proposals/p1/approve'],
    ] as const)
      expectProblem(await call(method, url, OPERATOR), 404, 'resource-not-found', /incidents are off/);
  });

  it('audits each change with who and a summary, refusals too, and not reads', async () => {
    await call('POST', '/v1/chaos/injections', OPERATOR, { ...INJECT, replica: 'orders-1' });
    await call('POST', '/v1/chaos/injections', OPERATOR, { fault: 'crash', target: 'cart' });
    await call('GET', '/v1/chaos/injections', VIEWER);
    await call('DELETE', '/v1/chaos/injections/inj-1', OPERATOR);
    await call('POST', '/v1/remediation/proposals/p1/approve', OPERATOR);
    await call('POST', '/v1/remediation/proposals/p1/reject', OPERATOR, { reason: 'no' });
    await call('POST', '/v1/chaos/injections', VIEWER, INJECT);
    await call('POST', '/v1/chaos/injections', OPERATOR, { ...INJECT, target: 'BAD' });
    const records = await audit.tail(100);
    expect(
      records.map((r) => [r.actor?.name ?? null, r.method, r.route, r.status, r.result, r.summary]),
    ).toEqual([
      ['ops-alice', 'POST', '/v1/chaos/injections', 201, 'ok', 'chaos errors injected into orders-1 (inj-1)'],
      ['ops-alice', 'POST', '/v1/chaos/injections', 201, 'ok', 'chaos crash injected into cart (inj-2)'],
      ['ops-alice', 'DELETE', '/v1/chaos/injections/:id', 200, 'ok', 'chaos injection inj-1 cleared'],
      [
        'ops-alice',
        'POST',
        '/v1/remediation/proposals/:id/:decision',
        200,
        'ok',
        'remediation proposal p1 approved',
      ],
      [
        'ops-alice',
        'POST',
        '/v1/remediation/proposals/:id/:decision',
        200,
        'ok',
        'remediation proposal p1 rejected',
      ],
      ['dash', 'POST', '/v1/chaos/injections', 403, 'refused', undefined],
      ['ops-alice', 'POST', '/v1/chaos/injections', 400, 'rejected', undefined],
    ]);
    expect(records[3]!.params).toEqual({ id: 'p1', decision: 'approve' });
  });
});
