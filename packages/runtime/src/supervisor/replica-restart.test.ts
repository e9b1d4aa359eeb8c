import { join } from 'node:path';
import { systemClock } from '@opsloop/kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  isGone,
  killGroup,
  waitFor,
  writeFakeService,
  type FakeServiceDir,
} from '../../test/fake-service.js';
import type { RuntimeEvent } from '../events.js';
import { createFileLogSink, type LogSink } from '../logs/log-sink.js';
import { EndpointRegistry } from '../registry/registry.js';
import { serviceSpecSchema } from '../spec/schema.js';
import { httpProbe } from './http-probe.js';
import { PortAllocator } from './ports.js';
import { Replica } from './replica.js';

const SERVICE = 'fake';

interface Harness {
  replica: Replica;
  logs: LogSink;
  events: RuntimeEvent[];
  pids: Set<number>;
}

let fake: FakeServiceDir;
const harnesses: Harness[] = [];

beforeAll(async () => {
  fake = await writeFakeService('opsloop-replica-restart-');
});

afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    await Promise.race([h.replica.stop(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    for (const pid of h.pids) if (!isGone(pid)) killGroup(pid);
    await h.logs.close();
  }
});

afterAll(async () => {
  await fake.remove();
});

/** A replica of the fake service whose back-off is long enough to see (2 s after the second crash). */
function makeReplica(): Harness {
  const spec = serviceSpecSchema.parse({
    command: [process.execPath, fake.script],
    probes: { readiness: { path: '/readyz', periodSeconds: 1 } },
    restartPolicy: { backoff: { initialSeconds: 2, maxSeconds: 10 } },
    terminationGracePeriodSeconds: 5,
  });
  const name = `${SERVICE}-${harnesses.length + 1}`;
  const logs = createFileLogSink({ dir: join(fake.dir, `logs-${name}-${Date.now()}`) });
  const events: RuntimeEvent[] = [];
  const pids = new Set<number>();
  const replica = new Replica({
    name,
    service: SERVICE,
    spec,
    specDir: fake.dir,
    env: {},
    version: '1.0.0',
    ports: new PortAllocator(),
    registry: new EndpointRegistry(),
    logs,
    clock: systemClock,
    probe: httpProbe,
    onEvent: (event) => {
      events.push(event);
      if (event.type === 'replica-started') pids.add(event.pid);
    },
  });
  const harness = { replica, logs, events, pids };
  harnesses.push(harness);
  return harness;
}

const exits = (events: RuntimeEvent[]) =>
  events.filter((e): e is Extract<RuntimeEvent, { type: 'replica-exited' }> => e.type === 'replica-exited');

const readyWithPid = (replica: Replica, notPid?: number) =>
  waitFor(`${replica.name} ready with a new pid`, () => {
    const { ready, pid } = replica.status();
    return ready && pid !== null && pid !== notPid ? pid : undefined;
  });

describe('Replica.restart and Replica.kill', () => {
  it('restart(): SIGTERM, the exit named by the reason, a new process at once (no back-off), counted', async () => {
    const { replica, events } = makeReplica();
    replica.start();
    const first = await readyWithPid(replica);
    expect(replica.restart('RestartedByRemediation')).toBe(true);
    // It leaves discovery at once, before the process has even exited.
    expect(replica.status().ready).toBe(false);
    const second = await readyWithPid(replica, first);
    // A second ordered restart right after the first: still no back-off (a crash now would wait 2 s).
    expect(replica.restart('RestartedByRemediation')).toBe(true);
    await readyWithPid(replica, second);
    expect(exits(events)).toEqual([
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
    const { replica, events } = makeReplica();
    replica.start();
    const first = await readyWithPid(replica);
    expect(replica.kill('SIGKILL')).toBe(true);
    const second = await readyWithPid(replica, first);
    expect(replica.kill('SIGKILL')).toBe(true);
    await waitFor('the second exit', () => exits(events).length === 2);
    expect(exits(events).map((e) => [e.reason, e.signal, e.restartInMs])).toEqual([
      ['Signal(SIGKILL)', 'SIGKILL', 0],
      // A second crash soon after the first waits: the back-off an ordered restart skips.
      ['Signal(SIGKILL)', 'SIGKILL', 2000],
    ]);
    expect(replica.status()).toMatchObject({ phase: 'backoff', ready: false, restarts: 2 });
    expect(await waitFor('the killed process gone', () => isGone(second))).toBe(true);
  });

  it('both answer false when there is no process', async () => {
    const { replica, events } = makeReplica();
    expect(replica.restart('x')).toBe(false);
    expect(replica.kill('SIGKILL')).toBe(false);
    replica.start();
    const pid = await readyWithPid(replica);
    replica.kill('SIGKILL');
    await waitFor('the exit', () => exits(events).length === 1);
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
