import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EndpointList, ReplicaStatus } from '@opsloop/contracts';
import { request } from 'undici';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import {
  isGone,
  killGroup,
  waitFor,
  writeFakeService,
  type FakeServiceDir,
} from '../../test/fake-service.js';
import { createManualClock, systemClock, type Clock } from '@opsloop/kit';
import type { RuntimeEvent } from '../events.js';
import { createFileLogSink, type LogSink } from '../logs/log-sink.js';
import { EndpointRegistry } from '../registry/registry.js';
import { serviceSpecSchema } from '../spec/schema.js';
import { httpProbe } from './http-probe.js';
import { PortAllocator } from './ports.js';
import { procTreeMemory, type MemoryReader } from './process-memory.js';
import { Replica, type ProbeRunner } from './replica.js';

const SERVICE = 'fake';

/** What one test built: the replica and everything it reports to. */
interface Harness {
  replica: Replica;
  registry: EndpointRegistry;
  logs: LogSink;
  logDir: string;
  events: RuntimeEvent[];
  /**
   * Per event, in order: the registry list at the moment of the event, and the status once the supervisor
   * finished handling it (a microtask later: after the synchronous bookkeeping, before any timer runs).
   */
  snapshots: { event: RuntimeEvent; status: ReplicaStatus; registry: EndpointList }[];
  pids: Set<number>;
}

let fake: FakeServiceDir;
const harnesses: Harness[] = [];

beforeAll(async () => {
  fake = await writeFakeService('opsloop-replica-');
});

afterEach(async () => {
  // Stop every replica, bounded; then SIGKILL anything left so no test leaves a process behind.
  for (const h of harnesses.splice(0)) {
    await Promise.race([h.replica.stop(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    for (const pid of h.pids) if (!isGone(pid)) killGroup(pid);
    await h.logs.close();
  }
});

afterAll(async () => {
  await fake.remove();
});

function makeReplica(options: {
  env?: Record<string, string>;
  command?: string[];
  spec?: Record<string, unknown>;
  name?: string;
  clock?: Clock;
  probe?: ProbeRunner;
  memory?: MemoryReader;
}): Harness {
  const spec = serviceSpecSchema.parse({
    command: options.command ?? [process.execPath, fake.script],
    probes: {
      readiness: { path: '/readyz', periodSeconds: 1 },
      liveness: { path: '/livez', periodSeconds: 1, failureThreshold: 2 },
    },
    restartPolicy: { backoff: { initialSeconds: 0.2, maxSeconds: 1 } },
    ...options.spec,
  });
  const name = options.name ?? `${SERVICE}-${harnesses.length + 1}`;
  const registry = new EndpointRegistry();
  const logDir = join(fake.dir, `logs-${name}-${Date.now()}`);
  const logs = createFileLogSink({ dir: logDir });
  const events: RuntimeEvent[] = [];
  const snapshots: Harness['snapshots'] = [];
  const pids = new Set<number>();
  // The listener reads `replica`; the constructor emits no events, so it is initialised by the first one.
  const replica: Replica = new Replica({
    name,
    service: SERVICE,
    spec,
    specDir: fake.dir,
    env: { GREETING: 'hello', ...options.env },
    version: '1.2.3',
    ports: new PortAllocator(),
    registry,
    logs,
    clock: options.clock ?? systemClock,
    probe: options.probe ?? httpProbe,
    ...(options.memory ? { memory: options.memory } : {}),
    onEvent: (event) => {
      events.push(event);
      if (event.type === 'replica-started') pids.add(event.pid);
      const snapshot = { event, status: replica.status(), registry: registry.list(SERVICE) };
      snapshots.push(snapshot);
      queueMicrotask(() => (snapshot.status = replica.status()));
    },
  });
  const harness: Harness = { replica, registry, logs, logDir, events, snapshots, pids };
  harnesses.push(harness);
  return harness;
}

const ofType = <T extends RuntimeEvent['type']>(events: RuntimeEvent[], type: T) =>
  events.filter((e): e is Extract<RuntimeEvent, { type: T }> => e.type === type);

/** Waits until the replica is ready with a process other than `notPid`. */
const readyWithPid = (replica: Replica, notPid?: number) =>
  waitFor(`${replica.name} to be ready${notPid ? ` with a pid other than ${notPid}` : ''}`, () => {
    const { ready, pid } = replica.status();
    return ready && pid !== null && pid !== notPid ? pid : undefined;
  });

describe('Replica with a real process', () => {
  it('becomes ready, registers its url and passes its output to the log sink', async () => {
    const { replica, registry, logs, logDir, events } = makeReplica({});
    expect(replica.status()).toMatchObject({ phase: 'stopped', ready: false, pid: null, restarts: 0 });
    replica.start();
    await replica.whenReady();
    const status = replica.status();
    expect(status).toMatchObject({
      name: 'fake-1',
      service: SERVICE,
      phase: 'running',
      ready: true,
      restarts: 0,
    });
    expect(status.pid).toEqual(expect.any(Number));
    expect(status.url).toBe(`http://127.0.0.1:${status.port}`);
    expect(status.lastExit).toBeNull();
    expect(registry.list(SERVICE).endpoints).toEqual([
      { instance: 'fake-1', url: status.url, version: '1.2.3' },
    ]);
    expect(ofType(events, 'replica-started')).toEqual([
      { type: 'replica-started', replica: 'fake-1', service: SERVICE, pid: status.pid, port: status.port },
    ]);
    expect(ofType(events, 'replica-ready')).toEqual([
      { type: 'replica-ready', replica: 'fake-1', service: SERVICE, url: status.url },
    ]);

    // The process got its port, loopback host and the given environment.
    const response = await request(`${status.url}/whoami`);
    const body = (await response.body.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ pid: status.pid, port: status.port, host: '127.0.0.1', greeting: 'hello' });

    const listening = `fake listening on ${status.port} pid=${status.pid}`;
    await waitFor(
      'stdout and stderr lines in the tail',
      () => logs.tail('fake-1').includes(listening) && logs.tail('fake-1').includes('fake stderr line'),
    );
    const file = join(logDir, 'fake-1.log');
    const text = await waitFor('both lines in the log file', async () => {
      const content = await readFile(file, 'utf8').catch(() => '');
      return content.includes(listening) && content.includes('[stderr] fake stderr line')
        ? content
        : undefined;
    });
    expect(text.split('\n')).toContain(listening);
  });

  it('start is idempotent while running', async () => {
    const { replica, events } = makeReplica({});
    replica.start();
    replica.start();
    await replica.whenReady();
    replica.start();
    expect(ofType(events, 'replica-started')).toHaveLength(1);
  });

  it('after SIGKILL: reports Signal(SIGKILL), leaves the registry, restarts at once and is ready again', async () => {
    const { replica, registry, snapshots } = makeReplica({});
    replica.start();
    const firstPid = await readyWithPid(replica);
    const firstUrl = replica.status().url;

    process.kill(firstPid, 'SIGKILL');
    const secondPid = await readyWithPid(replica, firstPid);

    const exits = snapshots.filter((s) => s.event.type === 'replica-exited');
    expect(exits).toHaveLength(1);
    expect(exits[0]!.event).toEqual({
      type: 'replica-exited',
      replica: 'fake-1',
      service: SERVICE,
      reason: 'Signal(SIGKILL)',
      code: null,
      signal: 'SIGKILL',
      restartInMs: 0,
    });
    // By the time the exit is reported the dead replica is out of discovery.
    expect(exits[0]!.registry.endpoints).toEqual([]);
    expect(exits[0]!.status).toMatchObject({
      phase: 'backoff',
      ready: false,
      pid: null,
      port: null,
      restarts: 1,
    });
    const unready = snapshots.findIndex((s) => s.event.type === 'replica-unready');
    expect(unready).toBeGreaterThan(-1);
    expect(snapshots[unready]!.event).toMatchObject({ reason: 'exited' });

    expect(secondPid).not.toBe(firstPid);
    expect(isGone(firstPid)).toBe(true);
    const status = replica.status();
    expect(status).toMatchObject({ phase: 'running', ready: true, restarts: 1 });
    expect(status.lastExit).toMatchObject({ reason: 'Signal(SIGKILL)', code: null, signal: 'SIGKILL' });
    expect(registry.list(SERVICE).endpoints).toEqual([
      { instance: 'fake-1', url: status.url, version: '1.2.3' },
    ]);
    expect(typeof firstUrl).toBe('string');
  });

  it('a process that keeps exiting with code 3 goes into back-off, doubling up to the cap', async () => {
    const { replica, snapshots } = makeReplica({ env: { EXIT_AFTER_MS: '100' }, spec: { probes: {} } });
    replica.start();
    const exits = () => snapshots.filter((s) => s.event.type === 'replica-exited');
    await waitFor('5 exits', () => exits().length >= 5, 20_000);

    const seen = exits().slice(0, 5);
    expect(seen.map((s) => s.event)).toEqual(
      [0, 200, 400, 800, 1_000].map((restartInMs) => ({
        type: 'replica-exited',
        replica: 'fake-1',
        service: SERVICE,
        reason: 'Error',
        code: 3,
        signal: null,
        restartInMs,
      })),
    );
    seen.forEach(({ status, event }, i) => {
      expect(status.phase).toBe('backoff');
      expect(status.restarts).toBe(i + 1);
      expect(status.pid).toBeNull();
      expect(status.lastExit).toMatchObject({ reason: 'Error', code: 3, signal: null });
      const delay = event.type === 'replica-exited' ? event.restartInMs! : NaN;
      expect(status.nextRestartAt).toBe(new Date(Date.parse(status.lastExit!.at) + delay).toISOString());
    });
    // While waiting in back-off the status says so, with the restart time.
    const waiting = await waitFor('a status in back-off', () => {
      const status = replica.status();
      return status.phase === 'backoff' ? status : undefined;
    });
    expect(waiting.nextRestartAt).not.toBeNull();
    expect(waiting.ready).toBe(false);
  });

  it('kills a replica whose liveness probe fails (LivenessProbeFailed) and starts a new one', async () => {
    const { replica, logs, snapshots } = makeReplica({
      env: { FAIL_LIVENESS: '1' },
      spec: {
        probes: {
          readiness: { path: '/readyz', periodSeconds: 1 },
          // First probe 2 s after the start: the process has long installed its SIGTERM handler by then.
          liveness: { path: '/livez', initialDelaySeconds: 1, periodSeconds: 1, failureThreshold: 2 },
        },
      },
    });
    replica.start();
    const started = () => snapshots.filter((s) => s.event.type === 'replica-started');
    await waitFor('a second process after the liveness kill', () => started().length >= 2);

    const events = snapshots.map((s) => s.event);
    const firstPid = (events.find((e) => e.type === 'replica-started') as { pid: number }).pid;
    const killed = events.findIndex((e) => e.type === 'replica-killed');
    const exited = events.findIndex((e) => e.type === 'replica-exited');
    const restarted = events.findIndex((e) => e.type === 'replica-started' && e.pid !== firstPid);
    expect(events[killed]).toEqual({
      type: 'replica-killed',
      replica: 'fake-1',
      service: SERVICE,
      reason: 'liveness probe failed 2 times',
    });
    // Out of discovery right after the kill decision, before the process is gone.
    const unready = events.findIndex((e) => e.type === 'replica-unready');
    expect(events[unready]).toMatchObject({ reason: 'liveness probe failed' });
    expect(snapshots[unready]!.registry.endpoints).toEqual([]);
    expect(snapshots[unready]!.status.ready).toBe(false);
    expect(events[exited]).toMatchObject({ reason: 'LivenessProbeFailed', restartInMs: 0 });
    expect(killed).toBeLessThan(unready);
    expect(unready).toBeLessThan(exited);
    expect(exited).toBeLessThan(restarted);
    expect(snapshots[restarted]!.status.restarts).toBe(1);
    expect(replica.status().lastExit?.reason).toBe('LivenessProbeFailed');
    expect(isGone(firstPid)).toBe(true);
    // It was asked to stop with SIGTERM first, not killed outright.
    await waitFor('the SIGTERM line', () => logs.tail('fake-1').includes('got SIGTERM'));
  });

  it('kills a replica over its memory limit at once (OOMKilled), out of discovery first, and restarts it', async () => {
    const reads: number[] = [];
    let pressure = true;
    // The first process grows past 64 MiB on its second reading; the next one stays small.
    const memory: MemoryReader = (pid) => {
      reads.push(pid);
      const count = reads.filter((p) => p === pid).length;
      return Promise.resolve(pressure && count >= 2 ? 100 * 2 ** 20 : 20 * 2 ** 20);
    };
    const { replica, snapshots } = makeReplica({ memory, spec: { resources: { memory: '64Mi' } } });
    replica.start();
    const firstPid = await readyWithPid(replica);
    await waitFor('the OOM kill', () => snapshots.some((s) => s.event.type === 'replica-exited'), 20_000);
    pressure = false;
    const secondPid = await readyWithPid(replica, firstPid);
    const events = snapshots.map((s) => s.event);
    expect(events.find((e) => e.type === 'replica-killed')).toEqual({
      type: 'replica-killed',
      replica: replica.name,
      service: SERVICE,
      reason: 'memory 100 MiB over its limit of 64 MiB (OOMKilled)',
    });
    const unready = events.findIndex((e) => e.type === 'replica-unready');
    const exited = events.findIndex((e) => e.type === 'replica-exited');
    expect(unready).toBeLessThan(exited);
    // SIGKILL, no grace period: the kernel's OOM killer does not ask either.
    expect(events[exited]).toMatchObject({ reason: 'OOMKilled', signal: 'SIGKILL' });
    expect(replica.status().lastExit?.reason).toBe('OOMKilled');
    expect(replica.status().restarts).toBe(1);
    expect(isGone(firstPid)).toBe(true);
    expect(secondPid).not.toBe(firstPid);
  });

  it('reads the memory of a whole process tree from /proc', async () => {
    const { replica } = makeReplica({});
    replica.start();
    const pid = await readyWithPid(replica);
    const tree = await procTreeMemory(pid);
    const self = await procTreeMemory(process.pid);
    // A Node.js process holds megabytes; this test process's tree includes the replica's.
    expect(tree).toBeGreaterThan(8 * 2 ** 20);
    expect(self).toBeGreaterThan(tree!);
    expect(await procTreeMemory(2 ** 22 + 12345)).toBeUndefined();
  });

  it('holds readiness and liveness back until the startup probe succeeds', async () => {
    const calls: string[] = [];
    let startupAnswers = 0;
    const { replica } = makeReplica({
      spec: {
        probes: {
          startup: { path: '/startupz', periodSeconds: 30, failureThreshold: 10 },
          readiness: { path: '/readyz', periodSeconds: 1 },
          liveness: { path: '/livez', periodSeconds: 1, failureThreshold: 1 },
        },
      },
      probe: async (url, timeoutMs) => {
        const path = new URL(url).pathname;
        calls.push(path);
        if (path === '/startupz') return ++startupAnswers >= 3;
        return httpProbe(url, timeoutMs);
      },
    });
    replica.start();
    await readyWithPid(replica);
    const firstOther = calls.findIndex((path) => path !== '/startupz');
    expect(calls.slice(0, 3)).toEqual(['/startupz', '/startupz', '/startupz']);
    expect(firstOther).toBe(3);
    expect(calls.slice(firstOther).includes('/startupz')).toBe(false);
  });

  it('kills a replica whose startup probe never succeeds in time (StartupProbeFailed)', async () => {
    const { replica, snapshots } = makeReplica({
      spec: { probes: { startup: { path: '/never', periodSeconds: 1, failureThreshold: 2 } } },
      probe: async (url, timeoutMs) => (url.endsWith('/never') ? false : httpProbe(url, timeoutMs)),
    });
    replica.start();
    await waitFor('the startup kill', () =>
      snapshots.some((s) => s.event.type === 'replica-exited' && s.event.reason === 'StartupProbeFailed')
        ? true
        : undefined,
    );
    expect(snapshots.find((s) => s.event.type === 'replica-killed')?.event).toMatchObject({
      reason: 'startup probe did not succeed within 2 s',
    });
    expect(snapshots.some((s) => s.event.type === 'replica-ready')).toBe(false);
  });

  it('stop(): leaves the registry first, sends SIGTERM and resolves once the process is gone', async () => {
    const { replica, registry, logs, snapshots } = makeReplica({});
    replica.start();
    const pid = await readyWithPid(replica);
    expect(registry.list(SERVICE).endpoints).toHaveLength(1);

    await replica.stop();
    expect(isGone(pid)).toBe(true);
    const events = snapshots.map((s) => s.event);
    const unready = events.findIndex((e) => e.type === 'replica-unready');
    const exited = events.findIndex((e) => e.type === 'replica-exited');
    expect(events[unready]).toMatchObject({ reason: 'stopping' });
    expect(snapshots[unready]!.registry.endpoints).toEqual([]);
    expect(unready).toBeLessThan(exited);
    // A graceful exit on SIGTERM, and no restart.
    expect(events[exited]).toMatchObject({ reason: 'Completed', code: 0, signal: null, restartInMs: null });
    expect(replica.status()).toMatchObject({ phase: 'stopped', ready: false, pid: null, restarts: 0 });
    await waitFor('the SIGTERM line', () => logs.tail('fake-1').includes('got SIGTERM'));
    // Stopping again is a no-op.
    await replica.stop();
    expect(
      ofType(
        snapshots.map((s) => s.event),
        'replica-exited',
      ),
    ).toHaveLength(1);
  });

  it('stop(): SIGKILLs a process that ignores SIGTERM after terminationGracePeriodSeconds', async () => {
    const { replica, logs, events } = makeReplica({
      env: { IGNORE_TERM: '1' },
      spec: { terminationGracePeriodSeconds: 1 },
    });
    replica.start();
    const pid = await readyWithPid(replica);
    await replica.stop();
    expect(isGone(pid)).toBe(true);
    expect(replica.status().lastExit).toMatchObject({ reason: 'Signal(SIGKILL)', signal: 'SIGKILL' });
    expect(ofType(events, 'replica-exited')).toEqual([
      expect.objectContaining({ signal: 'SIGKILL', restartInMs: null }),
    ]);
    await waitFor('the line saying SIGTERM was ignored', () =>
      logs.tail('fake-1').includes('ignoring SIGTERM'),
    );
  });

  it('stop() during back-off cancels the pending restart', async () => {
    // A manual clock: restarts happen only when the test advances it, so nothing runs behind its back.
    const clock = createManualClock(Date.now());
    const { replica, events } = makeReplica({ command: ['/nonexistent/bin'], clock });
    const exits = () => ofType(events, 'replica-exited');
    replica.start();
    await waitFor('the first failed start', () => exits().length === 1);
    expect(exits()[0]!.restartInMs).toBe(0);
    expect(clock.pending()).toBe(1);
    clock.advance(0);
    await waitFor('the second failed start', () => exits().length === 2);
    expect(exits()[1]!.restartInMs).toBe(200);
    expect(replica.status().phase).toBe('backoff');
    expect(clock.pending()).toBe(1);

    await replica.stop();
    expect(replica.status().phase).toBe('stopped');
    expect(clock.pending()).toBe(0);
    clock.advance(60_000);
    expect(replica.status()).toMatchObject({ phase: 'stopped', restarts: 2 });
    expect(exits()).toHaveLength(2);
  });

  it('a command that does not exist is a StartError, retried with back-off, without crashing', async () => {
    const { replica, registry, events } = makeReplica({ command: ['/nonexistent/bin'] });
    replica.start();
    const status = await waitFor('two failed starts', () => {
      const s = replica.status();
      return s.restarts >= 2 ? s : undefined;
    });
    expect(status.lastExit?.reason).toMatch(/^StartError: /);
    expect(status.lastExit?.reason).toContain('ENOENT');
    expect(status.lastExit).toMatchObject({ code: null, signal: null });
    expect(ofType(events, 'replica-started')).toEqual([]);
    expect(
      ofType(events, 'replica-exited')
        .slice(0, 2)
        .map((e) => e.restartInMs),
    ).toEqual([0, 200]);
    expect(registry.list(SERVICE).endpoints).toEqual([]);
    await replica.stop();
    expect(replica.status().phase).toBe('stopped');
  });

  it('a replica without readiness probe is ready as soon as it started', async () => {
    const { replica, registry } = makeReplica({ spec: { probes: {} } });
    replica.start();
    await replica.whenReady();
    expect(replica.status().pid).not.toBeNull();
    expect(registry.list(SERVICE).endpoints).toHaveLength(1);
  });

  it('a replica whose readiness fails keeps running but never enters the registry', async () => {
    const results: { path: string; ok: boolean }[] = [];
    const probe: ProbeRunner = async (url, timeoutMs) => {
      const { ok } = await httpProbe(url, timeoutMs);
      results.push({ path: new URL(url).pathname, ok });
      return ok;
    };
    const { replica, registry, events } = makeReplica({ env: { FAIL_READINESS: '1' }, probe });
    replica.start();
    // The process answers: a passing liveness probe comes after several failed readiness probes.
    await waitFor('a passing liveness probe after 3 failed readiness probes', () => {
      const readiness = results.filter((r) => r.path === '/readyz');
      return readiness.length >= 3 && results.some((r) => r.path === '/livez' && r.ok);
    });
    expect(results.filter((r) => r.path === '/readyz').every((r) => !r.ok)).toBe(true);
    expect(replica.status()).toMatchObject({ phase: 'running', ready: false, restarts: 0 });
    expect(registry.list(SERVICE).endpoints).toEqual([]);
    expect(ofType(events, 'replica-ready')).toEqual([]);
  });
});

/** No liveness probe, and a back-off long enough to see: 2 s after the second crash in a row. */
const SLOW_BACKOFF = {
  probes: { readiness: { path: '/readyz', periodSeconds: 1 } },
  restartPolicy: { backoff: { initialSeconds: 2, maxSeconds: 10 } },
  terminationGracePeriodSeconds: 5,
};

describe('Replica.restart and Replica.kill', () => {
  it('restart(): SIGTERM, the exit named by the reason, a new process at once (no back-off), counted', async () => {
    const { replica, events } = makeReplica({ spec: SLOW_BACKOFF });
    replica.start();
    const first = await readyWithPid(replica);
    expect(replica.restart('RestartedByRemediation')).toBe(true);
    // It leaves discovery at once, before the process has even exited.
    expect(replica.status().ready).toBe(false);
    const second = await readyWithPid(replica, first);
    // A second ordered restart right after the first: still no back-off (a crash now would wait 2 s).
    expect(replica.restart('RestartedByRemediation')).toBe(true);
    await readyWithPid(replica, second);
    expect(ofType(events, 'replica-exited')).toEqual([
      {
        type: 'replica-exited',
        replica: replica.name,
        service: SERVICE,
        reason: 'RestartedByRemediation',
        code: 0,
        signal: null,
        restartInMs: 0,
      },
      expect.objectContaining({ reason: 'RestartedByRemediation', restartInMs: 0 }),
    ]);
    expect(events.filter((e) => e.type === 'replica-unready')[0]).toMatchObject({
      reason: 'RestartedByRemediation',
    });
    expect(replica.status()).toMatchObject({ phase: 'running', ready: true, restarts: 2 });
    expect(isGone(first)).toBe(true);
  });

  it('kill(): the exit is handled like a crash, back-off included', async () => {
    const { replica, events } = makeReplica({ spec: SLOW_BACKOFF });
    replica.start();
    const first = await readyWithPid(replica);
    expect(replica.kill('SIGKILL')).toBe(true);
    const second = await readyWithPid(replica, first);
    expect(replica.kill('SIGKILL')).toBe(true);
    await waitFor('the second exit', () => ofType(events, 'replica-exited').length === 2);
    expect(ofType(events, 'replica-exited').map((e) => [e.reason, e.signal, e.restartInMs])).toEqual([
      ['Signal(SIGKILL)', 'SIGKILL', 0],
      // A second crash soon after the first waits: the back-off an ordered restart skips.
      ['Signal(SIGKILL)', 'SIGKILL', 2000],
    ]);
    expect(replica.status()).toMatchObject({ phase: 'backoff', ready: false, restarts: 2 });
    expect(await waitFor('the killed process gone', () => isGone(second))).toBe(true);
  });

  it('both answer false when there is no process', async () => {
    const { replica, events } = makeReplica({ spec: SLOW_BACKOFF });
    expect(replica.restart('x')).toBe(false);
    expect(replica.kill('SIGKILL')).toBe(false);
    replica.start();
    const pid = await readyWithPid(replica);
    replica.kill('SIGKILL');
    await waitFor('the exit', () => ofType(events, 'replica-exited').length === 1);
    // The first crash restarts at once; wait for it, then crash again into a 2 s back-off.
    await readyWithPid(replica, pid);
    replica.kill('SIGKILL');
    await waitFor('back-off', () => replica.status().phase === 'backoff');
    expect(replica.restart('x')).toBe(false);
    expect(replica.kill('SIGKILL')).toBe(false);
    await replica.stop();
    expect(replica.status().phase).toBe('stopped');
    expect(replica.restart('x')).toBe(false);
    expect(replica.kill('SIGKILL')).toBe(false);
  });
});
