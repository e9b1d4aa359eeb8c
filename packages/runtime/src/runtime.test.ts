import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemStatusSchema } from '@opsloop/contracts';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedEventBus } from '@opsloop/bus';
import { OpsloopFlagProvider } from '@opsloop/flags';
import { isGone, killGroup, waitFor, writeFakeService, type FakeServiceDir } from '../test/fake-service.js';
import type { RuntimeEvent } from './events.js';
import { AlreadyRunningError, createRuntime, type Runtime, type StartResult } from './runtime.js';
import { parseSpec, type LoadedSpec } from './spec/load-spec.js';
import { readStateFile, stateFilePath, writeStateFile, type RuntimeState } from './state-file.js';

let fake: FakeServiceDir;

beforeAll(async () => {
  fake = await writeFakeService('opsloop-runtime-');
});

afterAll(async () => {
  await fake.remove();
});

/** A spec run from `dir` whose services all run the fake service. */
function loadedSpec(dir: string, services: string): LoadedSpec {
  const command = JSON.stringify([process.execPath, fake.script]);
  const text =
    'apiVersion: opsloop.dev/v1alpha1\nkind: System\nmetadata: { name: testsys }\n' +
    FLAGS +
    'services:\n' +
    services.replaceAll('$COMMAND', command);
  const path = join(dir, 'opsloop.yaml');
  return { path, dir, spec: parseSpec(text, path) };
}

const FLAGS = `flags:
  flags:
    new-checkout:
      state: ENABLED
      variants: { on: true, off: false }
      defaultVariant: "off"
`;

const SYSTEM = `
  backend:
    command: $COMMAND
    env: { SERVICE_VERSION: 2.0.0, API_TOKEN: tok-1234567 }
    probes:
      readiness: { path: /readyz, periodSeconds: 1 }
  front:
    command: $COMMAND
    replicas: 2
    expose: { port: 0 }
    dependsOn: [backend]
    drainSeconds: 1
    env: { GREETING: hi }
    probes:
      readiness: { path: /readyz, periodSeconds: 1 }
      liveness: { path: /livez, periodSeconds: 1 }
  idle:
    command: $COMMAND
    replicas: 0
    expose: { port: 0 }
`;

const get = async (url: string, headers: Record<string, string> = {}) => {
  // reset: a fresh connection each time, so the balancer picks a replica per request.
  const response = await request(url, { headers, reset: true });
  const text = await response.body.text();
  return {
    status: response.statusCode,
    headers: response.headers,
    text,
    json: () => JSON.parse(text) as unknown,
  };
};

describe('runtime running a system of fake services', () => {
  let stateDir: string;
  let runtime: Runtime;
  let result: StartResult;
  const events: RuntimeEvent[] = [];
  const logLines: string[] = [];
  const allPids: number[] = [];
  const otherRuntimes: Runtime[] = [];

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'opsloop-state-'));
    // Set while the runtime is created: replicas must not see it (only PATH, HOME, … are inherited).
    process.env.NOT_INHERITED = 'secret';
    runtime = createRuntime({
      loaded: loadedSpec(fake.dir, SYSTEM),
      stateDir,
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'replica-started') allPids.push(event.pid);
      },
      onLog: (replica, stream, line) => logLines.push(`${replica} ${stream} ${line}`),
    });
    delete process.env.NOT_INHERITED;
    result = await runtime.start(40_000);
  });

  afterAll(async () => {
    await Promise.all(otherRuntimes.map((r) => r.stop().catch(() => {})));
    await Promise.race([runtime.stop(), new Promise((resolve) => setTimeout(resolve, 20_000))]);
    for (const pid of allPids) if (!isGone(pid)) killGroup(pid);
    await rm(stateDir, { recursive: true, force: true });
  });

  it('start() resolves ready with the control URL and the exposed services', () => {
    expect(result.ready).toBe(true);
    expect(result.notReady).toEqual([]);
    expect(result.controlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Object.keys(result.endpoints).sort()).toEqual(['control', 'front', 'idle']);
    expect(result.endpoints.control).toBe(result.controlUrl);
    expect(result.endpoints.front).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(result.endpoints.idle).not.toBe(result.endpoints.front);
  });

  it('starts a service only once the services it depends on are ready', () => {
    const backendReady = events.findIndex((e) => e.type === 'replica-ready' && e.service === 'backend');
    const frontStarts = events.flatMap((e, i) =>
      e.type === 'replica-started' && e.service === 'front' ? [i] : [],
    );
    expect(backendReady).toBeGreaterThan(-1);
    expect(frontStarts).toHaveLength(2);
    for (const i of frontStarts) expect(i).toBeGreaterThan(backendReady);
    expect(events[0]).toEqual({ type: 'control-api', url: result.controlUrl });
  });

  it('writes a state file readable by the owner only, holding the admin token', async () => {
    const file = stateFilePath(stateDir);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const state = await readStateFile(stateDir);
    expect(state).toMatchObject({
      pid: process.pid,
      system: 'testsys',
      controlUrl: result.controlUrl,
      token: runtime.adminToken,
      endpoints: result.endpoints,
    });
    expect(runtime.adminToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('balances requests to the exposed URL over the ready replicas', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const response = await get(`${result.endpoints.front}/hello`);
      expect(response.status).toBe(200);
      const body = response.json() as { instance: string; service: string; path: string; greeting: string };
      expect(body).toMatchObject({ service: 'front', path: '/hello', greeting: 'hi' });
      seen.add(body.instance);
    }
    expect([...seen].sort()).toEqual(['front-1', 'front-2']);
  });

  it('gives replicas their identity and a discovery token, and only the allowed environment', async () => {
    const body = (await get(`${result.endpoints.front}/env`)).json() as Record<string, string | null>;
    expect(body.instance).toMatch(/^front-[12]$/);
    expect(body.discoveryUrl).toBe(result.controlUrl);
    expect(body.leaked).toBeNull();
    const token = body.discoveryToken!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(token).not.toBe(runtime.adminToken);

    // The discovery token reads endpoints, but not status.
    const endpoints = await get(`${result.controlUrl}/v1/endpoints/backend`, {
      authorization: `Bearer ${token}`,
    });
    expect(endpoints.status).toBe(200);
    expect(endpoints.json()).toMatchObject({
      service: 'backend',
      endpoints: [{ instance: 'backend-1', version: '2.0.0' }],
    });
    const status = await get(`${result.controlUrl}/v1/status`, { authorization: `Bearer ${token}` });
    expect(status.status).toBe(403);
  });

  it('hosts the embedded event bus for replicas, behind its own token', async () => {
    const body = (await get(`${result.endpoints.front}/env`)).json() as Record<string, string | null>;
    expect(body.busUrl).toBe(result.controlUrl);
    const token = body.busToken!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect([runtime.adminToken, body.discoveryToken]).not.toContain(token);

    const bus = createEmbeddedEventBus({ url: body.busUrl!, token });
    try {
      await bus.ensureStream('runtime-test');
      const event = {
        id: 'e-1',
        type: 'thing.happened.v1',
        key: 'k',
        time: new Date().toISOString(),
        data: { n: 1 },
      };
      expect((await bus.publish('runtime-test', event)).duplicate).toBe(false);
      const seen: unknown[] = [];
      const subscription = await bus.subscribe({
        stream: 'runtime-test',
        group: 'g',
        handler: (delivery) => {
          seen.push(delivery.event.data);
          return Promise.resolve();
        },
      });
      await waitFor('the event to be delivered', () => (seen.length > 0 ? true : undefined), 10_000);
      await subscription.stop();
      expect(seen).toEqual([{ n: 1 }]);
    } finally {
      await bus.close();
    }

    // The discovery token does not open the bus, and the bus token opens nothing else.
    const withDiscovery = await get(`${result.controlUrl}/v1/bus/streams/runtime-test`, {
      authorization: `Bearer ${body.discoveryToken!}`,
    });
    expect(withDiscovery.status).toBe(401);
    const statusWithBus = await get(`${result.controlUrl}/v1/status`, { authorization: `Bearer ${token}` });
    expect(statusWithBus.status).toBe(401);
  });

  it('answers 503 problem+json on an exposed URL with no ready replica', async () => {
    const response = await get(`${result.endpoints.idle}/anything`);
    expect(response.status).toBe(503);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.headers['retry-after']).toBe('1');
    expect(response.json()).toMatchObject({
      type: 'https://opsloop.dev/problems/upstream-unavailable',
      status: 503,
      detail: 'no ready replica of idle',
    });
  });

  it('status() lists every service and replica', () => {
    const status = systemStatusSchema.parse(runtime.status());
    expect(status.system).toBe('testsys');
    expect(
      status.services.map((s) => [s.name, s.desiredReplicas, s.readyReplicas, s.replicas.map((r) => r.name)]),
    ).toEqual([
      ['backend', 1, 1, ['backend-1']],
      ['front', 2, 2, ['front-1', 'front-2']],
      ['idle', 0, 0, []],
    ]);
    const front = status.services.find((s) => s.name === 'front')!;
    expect(front.exposed).toBe(result.endpoints.front);
    expect(status.services.find((s) => s.name === 'backend')!.exposed).toBeNull();
    for (const replica of status.services.flatMap((s) => s.replicas)) {
      expect(replica).toMatchObject({ phase: 'running', ready: true, restarts: 0, lastExit: null });
      expect(allPids).toContain(replica.pid);
      expect(isGone(replica.pid!)).toBe(false);
    }
  });

  it('serves the status over the control API to the admin token', async () => {
    const response = await get(`${result.controlUrl}/v1/status`, {
      authorization: `Bearer ${runtime.adminToken}`,
    });
    expect(response.status).toBe(200);
    expect(systemStatusSchema.parse(response.json()).services).toHaveLength(3);
    const anonymous = await get(`${result.controlUrl}/v1/status`);
    expect(anonymous.status).toBe(401);
  });

  it('forwards replica output to onLog and keeps it in <stateDir>/logs', async () => {
    expect(logLines.some((l) => /^backend-1 stdout fake listening on \d+/.test(l))).toBe(true);
    expect(logLines).toContain('front-2 stderr fake stderr line');
    const file = await readFile(join(stateDir, 'logs', 'backend-1.log'), 'utf8');
    expect(file).toMatch(/fake listening on \d+/);
  });

  it('a second runtime on the same state directory refuses to start and leaves the first alone', async () => {
    const second = createRuntime({ loaded: loadedSpec(fake.dir, SYSTEM), stateDir });
    otherRuntimes.push(second);
    const error: unknown = await second.start(10_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlreadyRunningError);
    expect((error as Error).message).toContain(stateDir);
    // Stopping the refused runtime (as `opsloop up` does on any start error) must not touch the first one.
    await second.stop();
    expect(await readStateFile(stateDir)).toMatchObject({ pid: process.pid, token: runtime.adminToken });
    expect((await get(`${result.endpoints.front}/still-there`)).status).toBe(200);
    expect(runtime.status().services.find((s) => s.name === 'front')!.readyReplicas).toBe(2);
  });

  it('scales a service up and down through the control API: lowest free ordinals in, highest out', async () => {
    const scale = async (service: string, replicas: number) => {
      const response = await request(`${result.controlUrl}/v1/services/${service}/scale`, {
        method: 'POST',
        headers: { authorization: `Bearer ${runtime.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ replicas }),
      });
      return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
    };
    const idle = () => runtime.status().services.find((s) => s.name === 'idle')!;
    expect((await scale('idle', 2)).status).toBe(200);
    expect(idle().desiredReplicas).toBe(2);
    expect(
      idle()
        .replicas.map((r) => r.name)
        .sort(),
    ).toEqual(['idle-1', 'idle-2']);
    await waitFor('both idle replicas ready', () => (idle().readyReplicas === 2 ? true : undefined), 30_000);
    const exposed = runtime.status().services.find((s) => s.name === 'idle')!.exposed!;
    // Without a readiness probe a replica is ready once started (as in Kubernetes), maybe before it listens.
    await waitFor(
      'the exposed idle service to answer',
      async () => ((await get(exposed)).status === 200 ? true : undefined),
      30_000,
    );
    for (const r of idle().replicas) if (r.pid !== null) allPids.push(r.pid);

    const removedPid = idle().replicas.find((r) => r.name === 'idle-2')!.pid!;
    expect((await scale('idle', 1)).status).toBe(200);
    expect(idle().replicas.map((r) => r.name)).toEqual(['idle-1']);
    await waitFor('idle-2 to be gone', () => (isGone(removedPid) ? true : undefined), 30_000);
    expect(events).toContainEqual({ type: 'service-scaled', service: 'idle', from: 0, to: 2 });
    expect(events).toContainEqual({ type: 'service-scaled', service: 'idle', from: 2, to: 1 });

    expect((await scale('nope', 1)).status).toBe(404);
    const lastPid = idle().replicas[0]!.pid!;
    expect((await scale('idle', 0)).status).toBe(200);
    await waitFor('idle-1 to be gone', () => (isGone(lastPid) ? true : undefined), 30_000);
    expect(idle().replicas).toEqual([]);
    const audit = await readFile(join(stateDir, 'audit.log'), 'utf8');
    expect(audit).toContain('"summary":"idle scaled to 1"');
  });

  it('applies a changed template as a rolling update with no failed request; a dry run changes nothing', async () => {
    const front = () => runtime.status().services.find((s) => s.name === 'front')!;
    const next = parseSpec(
      'apiVersion: opsloop.dev/v1alpha1\nkind: System\nmetadata: { name: testsys }\n' +
        FLAGS +
        'services:\n' +
        SYSTEM.replace('GREETING: hi', 'GREETING: hello').replaceAll(
          '$COMMAND',
          JSON.stringify([process.execPath, fake.script]),
        ),
    );
    const before = front().revision;
    const dry = await runtime.apply(next, { dryRun: true });
    expect(dry).toEqual([
      expect.objectContaining({ service: 'front', action: 'update', fields: ['env.GREETING'] }),
    ]);
    expect(front().revision).toBe(before);

    let ok = 0;
    const failures: string[] = [];
    let done = false;
    const load = (async () => {
      while (!done) {
        const answer = await get(`${result.endpoints.front}/`).catch((error: Error) => ({
          status: error.message,
        }));
        if (answer.status === 200) ok++;
        else failures.push(String(answer.status));
      }
    })();
    try {
      await waitFor('some traffic before the change', () => (ok >= 10 ? true : undefined), 20_000);
      const changes = await runtime.apply(next);
      expect(changes[0]).toMatchObject({ service: 'front', rollout: { from: before } });
      await waitFor(
        'the rolling update to finish',
        () => {
          const f = front();
          return f.replicas.length === 2 &&
            f.readyReplicas === 2 &&
            f.replicas.every((r) => r.revision === f.revision && r.phase === 'running')
            ? true
            : undefined;
        },
        60_000,
      );
      const served = ok;
      await waitFor('traffic after the change', () => (ok >= served + 10 ? true : undefined), 20_000);
    } finally {
      done = true;
      await load;
    }
    expect(failures).toEqual([]);
    expect(front().revision).not.toBe(before);
    expect(
      front()
        .replicas.map((r) => r.name)
        .sort(),
    ).not.toEqual(['front-1', 'front-2']);
    expect((await get(`${result.endpoints.front}/`)).json()).toMatchObject({ greeting: 'hello' });
    for (const r of front().replicas) if (r.pid !== null) allPids.push(r.pid);
    expect(events).toContainEqual(expect.objectContaining({ type: 'spec-applied' }));
  });

  it("serves the spec's flags to replicas (their token reads, cannot change), and follows a change", async () => {
    const body = (await get(`${result.endpoints.front}/`)).json() as { flagsUrl: string; flagsToken: string };
    expect(body.flagsUrl).toBe(`${result.controlUrl}/v1/flags`);
    const read = await get(body.flagsUrl, { authorization: `Bearer ${body.flagsToken}` });
    expect(read.status).toBe(200);
    const first = read.json() as {
      resourceVersion: number;
      document: { flags: Record<string, { defaultVariant: string }> };
    };
    expect(first.document.flags['new-checkout']?.defaultVariant).toBe('off');

    const provider = new OpsloopFlagProvider({
      url: body.flagsUrl,
      token: body.flagsToken,
      watchTimeoutSeconds: 5,
    });
    try {
      await provider.initialize();
      const value = async () =>
        (await provider.resolveBooleanEvaluation('new-checkout', false, {}, console)).value;
      expect(await value()).toBe(false);
      const refused = await request(`${body.flagsUrl}/new-checkout`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${body.flagsToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ defaultVariant: 'on' }),
      });
      expect(refused.statusCode).toBe(403);
      await refused.body.dump();
      const changed = await request(`${body.flagsUrl}/new-checkout`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${runtime.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ defaultVariant: 'on' }),
      });
      expect(changed.statusCode).toBe(200);
      await changed.body.dump();
      await waitFor(
        'the provider to see the change',
        async () => ((await value()) ? true : undefined),
        10_000,
      );
      // The change is a runtime event (the dashboard marks it, the CLI prints it).
      expect(events).toContainEqual({ type: 'flag-changed', flag: 'new-checkout', from: 'off', to: 'on' });
    } finally {
      await provider.onClose();
    }
  });

  it("keeps its events for the API (filtered by service, long-polled) and streams a service's logs", async () => {
    const auth = { authorization: `Bearer ${runtime.adminToken}` };
    const all = (await get(`${result.controlUrl}/v1/events`, auth)).json() as {
      events: { seq: number; type: string; service?: string }[];
      last: number;
    };
    expect(all.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['replica-started', 'replica-ready']),
    );
    expect(all.last).toBe(all.events.at(-1)?.seq);
    const front = (await get(`${result.controlUrl}/v1/events?service=front`, auth)).json() as {
      events: { service?: string }[];
    };
    expect(front.events.length).toBeGreaterThan(0);
    expect(front.events.every((e) => e.service === 'front')).toBe(true);

    // Follow idle's logs, then start a replica of it: its first line arrives on the open stream.
    const lines: string[] = [];
    const stream = await request(`${result.controlUrl}/v1/services/idle/logs?follow=true&tail=0`, {
      headers: auth,
    });
    expect(stream.statusCode).toBe(200);
    expect(stream.headers['content-type']).toContain('application/x-ndjson');
    const reading = (async () => {
      for await (const chunk of stream.body) lines.push(...String(chunk).split('\n').filter(Boolean));
    })().catch(() => undefined);
    const waited = get(`${result.controlUrl}/v1/events?after=${all.last}&watch=30`, auth);
    await request(`${result.controlUrl}/v1/services/idle/scale`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ replicas: 1 }),
    }).then((r) => r.body.dump());
    const next = (await waited).json() as { events: { seq: number; type: string }[] };
    expect(next.events[0]?.seq).toBeGreaterThan(all.last);
    await waitFor("the new replica's first line on the stream", () =>
      lines.some((l) => l.includes('"replica":"idle-1"') && l.includes('fake listening')) ? true : undefined,
    );
    stream.body.destroy();
    await reading;
    const stopped = runtime.status().services.find((s) => s.name === 'idle')!.replicas[0]!.pid!;
    await request(`${result.controlUrl}/v1/services/idle/scale`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ replicas: 0 }),
    }).then((r) => r.body.dump());
    await waitFor('idle-1 to be gone', () => (isGone(stopped) ? true : undefined), 30_000);
    const logs = await get(`${result.controlUrl}/v1/services/front/logs?tail=3`, auth);
    expect(logs.text.split('\n').filter(Boolean).length).toBeGreaterThan(0);
    expect((await get(`${result.controlUrl}/v1/services/nope/logs`, auth)).status).toBe(404);
  });

  it('describes a service (spec with sensitive values masked, replicas, rollout, its events) for viewers', async () => {
    const auth = { authorization: `Bearer ${runtime.adminToken}` };
    const described = (await get(`${result.controlUrl}/v1/services/backend`, auth)).json() as {
      spec: { env: Record<string, string> };
      status: { name: string; replicas: unknown[] };
      rollout: { complete: boolean };
      events: { service: string }[];
    };
    expect(described.spec.env.SERVICE_VERSION).toBe('2.0.0');
    expect(described.spec.env.API_TOKEN).not.toContain('tok-1234567');
    expect(described.status.name).toBe('backend');
    expect(described.rollout.complete).toBe(true);
    expect(described.events.length).toBeGreaterThan(0);
    expect(described.events.every((e) => e.service === 'backend')).toBe(true);
    expect((await get(`${result.controlUrl}/v1/services/nope`, auth)).status).toBe(404);
  });

  it('stop() stops every replica process, closes its addresses and removes the state file', async () => {
    const pids = runtime
      .status()
      .services.flatMap((s) => s.replicas)
      .map((r) => r.pid!);
    expect(pids).toHaveLength(3);
    await runtime.stop();
    for (const pid of pids) expect(isGone(pid)).toBe(true);
    await expect(readStateFile(stateDir)).resolves.toBeUndefined();
    expect(
      runtime
        .status()
        .services.flatMap((s) => s.replicas)
        .map((r) => r.phase),
    ).toEqual(['stopped', 'stopped', 'stopped']);
    await expect(request(`${result.endpoints.front}/`)).rejects.toThrow();
    await expect(request(`${result.controlUrl}/livez`)).rejects.toThrow();
    // The replicas were stopped in reverse dependency order: front before backend.
    const exits = events.flatMap((e) => (e.type === 'replica-exited' ? [e.replica] : []));
    expect(exits.indexOf('backend-1')).toBeGreaterThan(exits.indexOf('front-1'));
    expect(exits.indexOf('backend-1')).toBeGreaterThan(exits.indexOf('front-2'));
    // stop() is idempotent.
    await runtime.stop();
  });
});

describe('runtime state directory ownership', () => {
  let dir: string;
  const runtimes: Runtime[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsloop-owner-'));
  });

  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((r) => r.stop()));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A cheap system: one service with no replicas, so only the control API and state file exist. */
  const IDLE = '  idle:\n    command: $COMMAND\n    replicas: 0\n';

  const state = (pid: number): RuntimeState => ({
    pid,
    system: 'other',
    specPath: '/elsewhere/opsloop.yaml',
    startedAt: new Date().toISOString(),
    controlUrl: 'http://127.0.0.1:1',
    token: 'x'.repeat(43),
    endpoints: {},
  });

  it('refuses to start while another live process owns the state file, and keeps that file', async () => {
    const stateDir = await mkdtemp(join(dir, 'live-'));
    // The parent of this test process is alive for the whole test.
    await writeStateFile(stateDir, state(process.ppid));
    const runtime = createRuntime({ loaded: loadedSpec(fake.dir, IDLE), stateDir });
    runtimes.push(runtime);
    await expect(runtime.start(10_000)).rejects.toThrow(AlreadyRunningError);
    await expect(runtime.start(10_000)).rejects.toThrow(`pid ${process.ppid}`);
    await runtime.stop();
    expect(await readStateFile(stateDir)).toMatchObject({ pid: process.ppid, system: 'other' });
  });

  it('takes over a stale state file whose process is gone', async () => {
    const stateDir = await mkdtemp(join(dir, 'stale-'));
    const exited = spawnSync(process.execPath, ['-e', '0']);
    expect(isGone(exited.pid)).toBe(true);
    await writeStateFile(stateDir, state(exited.pid));
    const runtime = createRuntime({ loaded: loadedSpec(fake.dir, IDLE), stateDir });
    runtimes.push(runtime);
    const result = await runtime.start(10_000);
    expect(result.ready).toBe(true);
    expect(await readStateFile(stateDir)).toMatchObject({ pid: process.pid, token: runtime.adminToken });
    await runtime.stop();
    expect(await readStateFile(stateDir)).toBeUndefined();
  });

  it('can start again on the same directory after a stop', async () => {
    const stateDir = await mkdtemp(join(dir, 'again-'));
    const first = createRuntime({ loaded: loadedSpec(fake.dir, IDLE), stateDir });
    runtimes.push(first);
    await first.start(10_000);
    await first.stop();
    const second = createRuntime({ loaded: loadedSpec(fake.dir, IDLE), stateDir });
    runtimes.push(second);
    await expect(second.start(10_000)).resolves.toMatchObject({ ready: true });
    expect(await readStateFile(stateDir)).toMatchObject({ token: second.adminToken });
  });

  it('fails start() with a clear message when a fixed expose port is taken, and cleans up', async () => {
    const stateDir = await mkdtemp(join(dir, 'port-'));
    const blocker = createRuntime({
      loaded: loadedSpec(
        fake.dir,
        '  idle:\n    command: $COMMAND\n    replicas: 0\n    expose: { port: 0 }\n',
      ),
      stateDir: await mkdtemp(join(dir, 'blocker-')),
    });
    runtimes.push(blocker);
    const taken = Number(new URL((await blocker.start(10_000)).endpoints.idle!).port);
    const runtime = createRuntime({
      loaded: loadedSpec(
        fake.dir,
        `  idle:\n    command: $COMMAND\n    replicas: 0\n    expose: { port: ${taken} }\n`,
      ),
      stateDir,
    });
    runtimes.push(runtime);
    await expect(runtime.start(10_000)).rejects.toThrow(
      `idle: cannot expose on 127.0.0.1:${taken}: the port is in use`,
    );
    expect(await readStateFile(stateDir)).toBeUndefined();
  });
});
