import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../src/events.js';
import { parseSpec } from '../src/spec/load-spec.js';
import { waitFor } from './fake-service.js';
import { startLiveRuntime, type LiveRuntime } from './live-runtime.js';

/** A service built on the kit: it has the fault endpoint the chaos manager injects through. */
const KIT_SERVICE = fileURLToPath(new URL('./kit-fixture-service.mjs', import.meta.url));

/**
 * Fault injection end to end: the control API, the chaos manager, the runtime as chaos platform, the
 * replicas' fault endpoint (kit) and the supervisor restarting a crashed replica.
 */
describe('chaos in a live runtime', () => {
  let live: LiveRuntime;
  let url: string;

  beforeAll(async () => {
    live = await startLiveRuntime(
      'chaos',
      () =>
        parseSpec(`apiVersion: opsloop.dev/v1alpha1
kind: System
metadata: { name: chaos }
runtime:
  bus: "off"
  telemetry: { enabled: false }
services:
  kitapp:
    command: ${JSON.stringify([process.execPath, KIT_SERVICE])}
    replicas: 1
    drainSeconds: 1
    probes:
      readiness: { path: /readyz, periodSeconds: 1 }
`),
      45_000,
    );
    url = live.result.controlUrl;
  }, 60_000);

  afterAll(async () => {
    await live?.stop();
  }, 60_000);

  const control = async (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => {
    const response = await request(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${live.runtime.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
    return {
      status: response.statusCode,
      type: String(response.headers['content-type'] ?? ''),
      body: (await response.body.json()) as Record<string, unknown>,
    };
  };

  const replicaUrl = async (): Promise<string> => {
    const { body } = await control('GET', '/v1/status');
    const services = body.services as { name: string; replicas: { url: string | null; ready: boolean }[] }[];
    const replica = services.find((s) => s.name === 'kitapp')?.replicas[0];
    if (replica?.url == null) throw new Error('kitapp has no replica address');
    return replica.url;
  };

  const statusOf = async (base: string, path: string) => {
    const response = await request(`${base}${path}`, { headersTimeout: 10_000, bodyTimeout: 10_000 });
    await response.body.text();
    return response.statusCode;
  };

  it('errors ratio 1: the route answers 500 while /livez stays 200; listed active; cleared, 200 again', async () => {
    const replica = await replicaUrl();
    expect(await statusOf(replica, '/hello')).toBe(200);

    const injected = await control('POST', '/v1/chaos/injections', {
      fault: 'errors',
      target: 'kitapp',
      params: { ratio: 1 },
      durationSeconds: 120,
    });
    expect(injected.status, JSON.stringify(injected.body)).toBe(201);
    expect(injected.body).toMatchObject({ fault: 'errors', target: 'kitapp', status: 'active' });
    const id = injected.body.id as string;

    for (let i = 0; i < 5; i++) expect(await statusOf(replica, '/hello')).toBe(500);
    expect(await statusOf(replica, '/livez')).toBe(200);
    expect(await statusOf(replica, '/readyz')).toBe(200);

    const listed = await control('GET', '/v1/chaos/injections');
    expect(listed.body.injections).toEqual(
      expect.arrayContaining([expect.objectContaining({ id, status: 'active', endsAt: expect.any(String) })]),
    );
    expect((await control('GET', `/v1/chaos/injections/${id}`)).body).toMatchObject({ id, status: 'active' });

    const cleared = await control('DELETE', `/v1/chaos/injections/${id}`);
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ id, status: 'cleared', endedAt: expect.any(String) });
    expect(await statusOf(replica, '/hello')).toBe(200);
    expect((await control('GET', `/v1/chaos/injections/${id}`)).body).toMatchObject({ status: 'cleared' });
  });

  it('crash: the replica is killed and the runtime restarts it', async () => {
    const from = live.events.length;
    const since = () => live.events.slice(from);
    const injected = await control('POST', '/v1/chaos/injections', { fault: 'crash', target: 'kitapp' });
    expect(injected.status, JSON.stringify(injected.body)).toBe(201);
    expect(injected.body).toMatchObject({ fault: 'crash', replicas: ['kitapp-1'] });

    const exited = await waitFor(
      'kitapp-1 to exit',
      () =>
        since().find(
          (e): e is Extract<RuntimeEvent, { type: 'replica-exited' }> =>
            e.type === 'replica-exited' && e.replica === 'kitapp-1',
        ),
      20_000,
    );
    expect(exited).toMatchObject({ signal: 'SIGKILL', restartInMs: expect.any(Number) });
    await waitFor(
      'kitapp-1 ready again',
      () => {
        const events = since();
        const exit = events.indexOf(exited);
        return events.slice(exit).some((e) => e.type === 'replica-ready' && e.replica === 'kitapp-1');
      },
      45_000,
    );
    expect(await statusOf(await replicaUrl(), '/hello')).toBe(200);
  }, 60_000);

  it('refuses a target that does not exist (404 problem) and a bad body (400 problem)', async () => {
    const missing = await control('POST', '/v1/chaos/injections', { fault: 'errors', target: 'nope' });
    expect(missing.status).toBe(404);
    expect(missing.type).toContain('application/problem+json');
    expect(missing.body).toMatchObject({ type: 'https://opsloop.dev/problems/resource-not-found' });
    expect(String(missing.body.detail)).toContain('nope');

    const bad = await control('POST', '/v1/chaos/injections', {
      fault: 'errors',
      target: 'kitapp',
      ratio: 1,
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ type: 'https://opsloop.dev/problems/validation-failed' });

    const unknownFault = await control('POST', '/v1/chaos/injections', { fault: 'meteor', target: 'kitapp' });
    expect(unknownFault.status).toBe(400);
    expect((await control('DELETE', '/v1/chaos/injections/inj-00000000')).status).toBe(404);
  });
});
