import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '@opsloop/kit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChaosApplyError, ChaosInputError, ChaosTargetError, UnknownInjectionError } from './chaos-errors.js';
import { createChaosManager, type ChaosManagerOptions } from './chaos-manager.js';
import type { ChaosEvent } from './injection.js';
import { createFakeChaosPlatform, type FakeChaosPlatform } from './testing/fake-chaos-platform.js';

const LATENCY_PARAMS = { ms: 800, jitterMs: 0, distribution: 'fixed', ratio: 1 };

function setUp(options: Partial<ChaosManagerOptions> = {}) {
  const platform = createFakeChaosPlatform({
    gateway: { replicas: ['gateway-1'], dependencies: ['cart', 'checkout'] },
    cart: { replicas: ['cart-1', 'cart-2'], dependencies: ['inventory'], version: '1.4.0' },
    inventory: { replicas: ['inventory-1'] },
    payments: { replicas: ['payments-1', 'payments-2'] },
  });
  const clock = createManualClock(1_000_000);
  const events: ChaosEvent[] = [];
  const manager = createChaosManager({ platform, clock, onEvent: (e) => events.push(e), ...options });
  return { platform, clock, events, manager };
}

/** Lets the manager's timer-started work (promise chains on the fake) run to the end. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

const expectThrows = async (
  promise: Promise<unknown>,
  type: new (...args: never[]) => Error,
  message: RegExp,
) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  expect((error as Error).message).toMatch(message);
};

const cleared = (platform: FakeChaosPlatform) =>
  platform
    .callsOf('clearFault')
    .map((c) => `${c.replica} ${c.id}`)
    .sort();

describe('chaos manager: replica endpoint faults', () => {
  it('sends the fault to every ready replica with its kind, point, params and duration', async () => {
    const { platform, manager } = setUp();
    platform.addReplica('cart', 'cart-3', false);
    const injection = await manager.inject({ fault: 'latency', target: 'cart', params: { ms: '300' } });

    expect(injection).toMatchObject({
      fault: 'latency',
      target: 'cart',
      status: 'active',
      startedAt: 1_000_000,
      endsAt: 1_120_000,
      durationMs: 120_000,
      params: { ...LATENCY_PARAMS, ms: 300, protocol: 'both' },
    });
    expect(injection.id).toMatch(/^inj-[0-9a-f]{8}$/);
    expect([...injection.replicas].sort()).toEqual(['cart-1', 'cart-2']);
    expect(injection.errors).toBeUndefined();
    const sent = platform.callsOf('sendFault');
    expect(sent.map((c) => c.replica).sort()).toEqual(['cart-1', 'cart-1', 'cart-2', 'cart-2']);
    expect(sent.filter((c) => c.replica === 'cart-1').map((c) => c.fault)).toEqual([
      {
        id: `${injection.id}-http`,
        kind: 'latency',
        point: 'http',
        params: { ...LATENCY_PARAMS, ms: 300 },
        durationMs: 120_000,
      },
      {
        id: `${injection.id}-rpc`,
        kind: 'latency',
        point: 'rpc',
        params: { ...LATENCY_PARAMS, ms: 300 },
        durationMs: 120_000,
      },
    ]);
    expect(manager.list()).toEqual([injection]);
    expect(manager.get(injection.id)).toEqual(injection);
  });

  it('uses the injection id itself when the fault is one request', async () => {
    const { platform, manager } = setUp();
    const injection = await manager.inject({ fault: 'cpu', target: 'payments', replica: 'payments-2' });
    expect(platform.callsOf('sendFault')).toEqual([
      {
        op: 'sendFault',
        replica: 'payments-2',
        fault: { id: injection.id, kind: 'cpu', params: { percent: 90 }, durationMs: 120_000 },
      },
    ]);
    expect(injection).toMatchObject({ replica: 'payments-2', replicas: ['payments-2'] });
  });

  it('ends on time: DELETE to each replica and status ended', async () => {
    const { platform, clock, manager, events } = setUp();
    const injection = await manager.inject({ fault: 'errors', target: 'cart', durationMs: 30_000 });
    clock.advance(29_999);
    await settle();
    expect(platform.callsOf('clearFault')).toEqual([]);
    clock.advance(1);
    await settle();

    expect(manager.get(injection.id)).toMatchObject({ status: 'ended', endedAt: 1_030_000 });
    expect(cleared(platform)).toEqual([
      `cart-1 ${injection.id}-http`,
      `cart-1 ${injection.id}-rpc`,
      `cart-2 ${injection.id}-http`,
      `cart-2 ${injection.id}-rpc`,
    ]);
    expect(events.map((e) => `${e.event} ${'injection' in e ? e.injection?.status : ''}`)).toEqual([
      'start active',
      'end ended',
    ]);
  });

  it('clears on request, once, skipping replicas that are gone', async () => {
    const { platform, clock, manager } = setUp();
    const injection = await manager.inject({ fault: 'hang', target: 'cart' });
    platform.removeReplica('cart-2');
    clock.advance(5_000);
    const result = await manager.clear(injection.id);

    expect(result).toMatchObject({ status: 'cleared', endedAt: 1_005_000 });
    expect(cleared(platform)).toEqual([`cart-1 ${injection.id}`]);
    expect(clock.pending()).toBe(0);
    expect(await manager.clear(injection.id)).toEqual(result);
    expect(platform.callsOf('clearFault')).toHaveLength(1);
    await expectThrows(manager.clear('inj-00000000'), UnknownInjectionError, /no injection inj-00000000/);
  });

  it('runs until cleared when the duration is 0: no timer, no duration sent', async () => {
    const { platform, clock, manager } = setUp();
    const injection = await manager.inject({ fault: 'bus-stall', target: 'cart', durationMs: 0 });
    expect(injection.endsAt).toBeUndefined();
    expect(platform.callsOf('sendFault')[0]?.fault).toEqual({
      id: injection.id,
      kind: 'stall',
      point: 'bus-consumer',
      params: {},
    });
    expect(clock.pending()).toBe(0);
    clock.advance(10 * 86_400_000);
    await settle();
    expect(manager.get(injection.id)?.status).toBe('active');
    await manager.clearAll();
    expect(manager.get(injection.id)?.status).toBe('cleared');
  });

  it('re-sends a service-scope fault to each new replica, with the time left', async () => {
    const { platform, clock, manager } = setUp();
    const injection = await manager.inject({ fault: 'db-slow', target: 'cart', params: { ms: 900 } });
    clock.advance(20_000);
    platform.addReplica('cart', 'cart-3');
    await manager.replicaReady('cart', 'cart-3');
    await manager.replicaReady('payments', 'payments-3');

    const toNew = platform.callsOf('sendFault').filter((c) => c.replica === 'cart-3');
    expect(toNew.map((c) => c.fault)).toEqual([
      {
        id: injection.id,
        kind: 'latency',
        point: 'db',
        params: { ...LATENCY_PARAMS, ms: 900 },
        durationMs: 100_000,
      },
    ]);
    expect(manager.get(injection.id)?.replicas.sort()).toEqual(['cart-1', 'cart-2', 'cart-3']);
    clock.advance(100_000);
    await settle();
    expect(cleared(platform)).toEqual([
      `cart-1 ${injection.id}`,
      `cart-2 ${injection.id}`,
      `cart-3 ${injection.id}`,
    ]);

    platform.addReplica('cart', 'cart-4');
    await manager.replicaReady('cart', 'cart-4');
    expect(platform.callsOf('sendFault').filter((c) => c.replica === 'cart-4')).toEqual([]);
  });

  it('re-sends a service-scope fault to a restarted replica of the same name', async () => {
    const { platform, manager } = setUp();
    await manager.inject({
      fault: 'dependency-unreachable',
      target: 'cart',
      params: { dependency: 'inventory' },
    });
    await manager.replicaReady('cart', 'cart-1');
    const toCart1 = platform.callsOf('sendFault').filter((c) => c.replica === 'cart-1');
    expect(toCart1).toHaveLength(2);
    expect(toCart1[1]?.fault).toMatchObject({
      kind: 'errors',
      point: 'dependency:inventory',
      params: { ratio: 1 },
    });
  });

  it('does not re-apply replica-scope faults, nor a service-scope fault aimed at one replica', async () => {
    const { platform, manager } = setUp();
    await manager.inject({ fault: 'memory-leak', target: 'cart' });
    await manager.inject({ fault: 'db-failure', target: 'cart', replica: 'cart-1' });
    const before = platform.callsOf('sendFault').length;
    platform.addReplica('cart', 'cart-3');
    await manager.replicaReady('cart', 'cart-3');
    expect(platform.callsOf('sendFault')).toHaveLength(before);
  });

  it('holds a service-scope fault for a service with no ready replica yet', async () => {
    const { platform, manager } = setUp();
    platform.services.get('inventory')!.replicas[0]!.ready = false;
    const injection = await manager.inject({ fault: 'db-failure', target: 'inventory' });
    expect(injection).toMatchObject({ status: 'active', replicas: [] });
    expect(platform.callsOf('sendFault')).toEqual([]);
    await manager.replicaReady('inventory', 'inventory-1');
    expect(manager.get(injection.id)?.replicas).toEqual(['inventory-1']);
  });

  it('records which replicas got it when some fail', async () => {
    const { platform, manager } = setUp();
    platform.failSend.add('cart-2');
    const injection = await manager.inject({ fault: 'latency', target: 'cart' });
    expect(injection).toMatchObject({
      status: 'active',
      replicas: ['cart-1'],
      errors: ['cart-2: connect ECONNREFUSED; connect ECONNREFUSED'],
    });
    // A failed POST may still have landed: the end clears it too.
    await manager.clear(injection.id);
    expect(cleared(platform)).toHaveLength(4);
  });

  it('throws ChaosApplyError and records a failed injection when no replica got it', async () => {
    const { platform, manager, events } = setUp();
    platform.failSend.add('cart-1').add('cart-2');
    const error = await manager.inject({ fault: 'cpu', target: 'cart' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ChaosApplyError);
    expect((error as ChaosApplyError).message).toBe(
      'cpu on cart failed: cart-1: connect ECONNREFUSED; cart-2: connect ECONNREFUSED',
    );
    const injection = (error as ChaosApplyError).injection;
    expect(injection).toMatchObject({ status: 'failed', replicas: [], endedAt: 1_000_000 });
    expect(injection.endsAt).toBeUndefined();
    expect(manager.get(injection.id)?.status).toBe('failed');
    expect(events).toEqual([{ event: 'end', injection }]);
  });

  it('reports a failed DELETE but still ends the injection', async () => {
    const { platform, manager, events } = setUp();
    platform.failClear.add('cart-1');
    const injection = await manager.inject({ fault: 'cpu', target: 'cart' });
    const result = await manager.clear(injection.id);
    expect(result).toMatchObject({ status: 'cleared', errors: ['clear cart-1: socket hang up'] });
    expect(events.map((e) => e.event)).toEqual(['start', 'error', 'end']);
  });

  it('bounds the replica calls in flight', async () => {
    const platform = createFakeChaosPlatform({
      cart: { replicas: Array.from({ length: 20 }, (_, i) => `cart-${i}`) },
    });
    let inFlight = 0;
    let most = 0;
    const send = platform.sendFault.bind(platform);
    platform.sendFault = async (replica, fault) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return send(replica, fault);
    };
    const manager = createChaosManager({ platform, clock: createManualClock(), concurrency: 3 });
    const injection = await manager.inject({ fault: 'hang', target: 'cart' });
    expect(injection.replicas).toHaveLength(20);
    expect(most).toBe(3);
  });

  it('waits for the apply when cleared meanwhile', async () => {
    const { platform, manager } = setUp();
    let release: () => void = () => undefined;
    const send = platform.sendFault.bind(platform);
    platform.sendFault = async (replica, fault) => {
      await new Promise<void>((resolve) => (release = resolve));
      return send(replica, fault);
    };
    const injecting = manager.inject({ fault: 'cpu', target: 'cart', replica: 'cart-1' });
    const [entry] = manager.list();
    const clearing = manager.clear(entry!.id);
    release();
    const [injected, clearedOne] = await Promise.all([injecting, clearing]);
    expect(injected.id).toBe(entry!.id);
    expect(clearedOne.status).toBe('cleared');
    expect(manager.get(entry!.id)?.status).toBe('cleared');
    expect(cleared(platform)).toEqual([`cart-1 ${entry!.id}`]);
  });
});

describe('chaos manager: runtime faults', () => {
  it('releases a bad version and undoes it on clear', async () => {
    const { platform, manager } = setUp();
    const injection = await manager.inject({
      fault: 'bad-release',
      target: 'cart',
      params: { ratio: '0.3' },
    });
    expect(platform.callsOf('releaseVersion')).toEqual([
      { op: 'releaseVersion', service: 'cart', version: '1.4.0-bad.1', env: { FAULT_ERROR_RATE: '0.3' } },
    ]);
    expect(injection).toMatchObject({ status: 'active', replicas: [], params: { ratio: 0.3 } });
    await manager.clear(injection.id);
    expect(platform.callsOf('undo')).toEqual([{ op: 'undo', of: 'releaseVersion 1.4.0-bad.1' }]);
  });

  it('numbers stacked and repeated bad releases on', async () => {
    const { platform, manager } = setUp();
    const first = await manager.inject({ fault: 'bad-release', target: 'cart' });
    platform.services.get('cart')!.version = '1.4.0-bad.1';
    await manager.inject({ fault: 'bad-release', target: 'cart' });
    platform.services.get('cart')!.version = '1.4.0';
    await manager.clear(first.id);
    await manager.inject({ fault: 'bad-release', target: 'cart' });
    expect(platform.callsOf('releaseVersion').map((c) => c.version)).toEqual([
      '1.4.0-bad.1',
      '1.4.0-bad.2',
      '1.4.0-bad.3',
    ]);
  });

  it('flips a flag and undoes it on expiry', async () => {
    const { platform, clock, manager } = setUp();
    const injection = await manager
      .inject({
        fault: 'bad-flag',
        target: 'checkout-less',
        params: { flag: 'new-checkout', variant: 'broken' },
      })
      .catch((e: unknown) => e);
    expect(injection).toBeInstanceOf(ChaosTargetError);

    const flip = await manager.inject({
      fault: 'bad-flag',
      target: 'cart',
      params: { flag: 'new-checkout', variant: 'broken' },
      durationMs: 60_000,
    });
    expect(platform.callsOf('setFlag')).toEqual([{ op: 'setFlag', flag: 'new-checkout', variant: 'broken' }]);
    clock.advance(60_000);
    await settle();
    expect(platform.callsOf('undo')).toEqual([{ op: 'undo', of: 'setFlag new-checkout' }]);
    expect(manager.get(flip.id)?.status).toBe('ended');
  });

  it('changes config and starts load through the port', async () => {
    const { platform, manager } = setUp();
    await manager.inject({
      fault: 'bad-config',
      target: 'cart',
      params: { key: 'DB_POOL_SIZE', value: '0' },
    });
    await manager.inject({ fault: 'traffic-flood', target: 'gateway', params: { rate: '500' } });
    expect(platform.callsOf('changeConfig')).toEqual([
      { op: 'changeConfig', service: 'cart', env: { DB_POOL_SIZE: '0' } },
    ]);
    expect(platform.callsOf('startLoad')).toEqual([
      { op: 'startLoad', load: { target: 'gateway', rate: 500, durationMs: 60_000 } },
    ]);
    await manager.stop();
    expect(
      platform
        .callsOf('undo')
        .map((c) => c.of)
        .sort(),
    ).toEqual(['changeConfig', 'startLoad']);
  });

  it('crashes ready replicas first and ends at once', async () => {
    const { platform, clock, manager, events } = setUp();
    platform.services.get('cart')!.replicas[0]!.ready = false;
    const injection = await manager.inject({ fault: 'crash', target: 'cart' });
    expect(platform.callsOf('killReplica')).toEqual([
      { op: 'killReplica', replica: 'cart-2', signal: 'SIGKILL' },
    ]);
    expect(injection).toMatchObject({
      status: 'ended',
      replicas: ['cart-2'],
      endedAt: 1_000_000,
      durationMs: 0,
    });
    expect(clock.pending()).toBe(0);
    expect(events.map((e) => `${e.event} ${'injection' in e ? e.injection?.status : ''}`)).toEqual([
      'start active',
      'end ended',
    ]);
    expect(events[0]).toMatchObject({ injection: { replicas: ['cart-2'] } });
    expect(events[0]).not.toHaveProperty('injection.endedAt');
  });

  it('crashes a named replica, or as many as asked, with the signal asked', async () => {
    const { platform, manager } = setUp();
    await manager.inject({
      fault: 'crash',
      target: 'cart',
      replica: 'cart-2',
      params: { signal: 'SIGTERM' },
    });
    const all = await manager.inject({ fault: 'crash', target: 'payments', params: { replicas: 5 } });
    expect(platform.callsOf('killReplica').map((c) => `${c.replica} ${c.signal}`)).toEqual([
      'cart-2 SIGTERM',
      'payments-1 SIGKILL',
      'payments-2 SIGKILL',
    ]);
    expect(all.replicas).toEqual(['payments-1', 'payments-2']);
  });

  it('records a partial crash, and fails a crash that killed nothing', async () => {
    const { platform, manager } = setUp();
    platform.failKill.add('payments-1');
    const partial = await manager.inject({ fault: 'crash', target: 'payments', params: { replicas: 2 } });
    expect(partial).toMatchObject({ replicas: ['payments-2'], errors: ['payments-1: no such process'] });
    await expectThrows(
      manager.inject({ fault: 'crash', target: 'payments', replica: 'payments-1' }),
      ChaosApplyError,
      /^crash on payments-1 failed: payments-1: no such process$/,
    );
  });

  it('reports a failing undo through onEvent instead of throwing from the timer', async () => {
    const { platform, clock, manager, events } = setUp();
    platform.setFlag = () => Promise.resolve(() => Promise.reject(new Error('flag store is read-only')));
    const injection = await manager.inject({
      fault: 'bad-flag',
      target: 'cart',
      params: { flag: 'f', variant: 'v' },
    });
    clock.advance(120_000);
    await settle();
    expect(manager.get(injection.id)).toMatchObject({
      status: 'ended',
      errors: ['undo: flag store is read-only'],
    });
    expect(events.find((e) => e.event === 'error')).toMatchObject({ error: 'undo: flag store is read-only' });
  });
});

describe('chaos manager: validation', () => {
  it('rejects an unknown fault, bad params and a bad duration with ChaosInputError', async () => {
    const { manager, platform } = setUp();
    await expectThrows(
      manager.inject({ fault: 'meteor', target: 'cart' }),
      ChaosInputError,
      /unknown fault "meteor"/,
    );
    await expectThrows(
      manager.inject({ fault: 'latency', target: 'cart', params: { ms: '-1' } }),
      ChaosInputError,
      /latency: ms must be an integer in 1\.\.60000/,
    );
    await expectThrows(
      manager.inject({ fault: 'cpu', target: 'cart', durationMs: -5 }),
      ChaosInputError,
      /duration/,
    );
    await expectThrows(
      manager.inject({ fault: 'crash', target: 'cart', durationMs: 60_000 }),
      ChaosInputError,
      /^crash happens at once: it takes no duration$/,
    );
    await expectThrows(
      manager.inject({ fault: 'bad-release', target: 'cart', replica: 'cart-1' }),
      ChaosInputError,
      /^bad-release applies to a whole service: it takes no replica$/,
    );
    expect(platform.calls).toEqual([]);
    expect(manager.list()).toEqual([]);
  });

  it('rejects an unknown target, a replica of another service and a missing dependency with ChaosTargetError', async () => {
    const { manager, platform } = setUp();
    await expectThrows(
      manager.inject({ fault: 'cpu', target: 'ledger' }),
      ChaosTargetError,
      /unknown service ledger/,
    );
    await expectThrows(
      manager.inject({ fault: 'cpu', target: 'cart', replica: 'payments-1' }),
      ChaosTargetError,
      /^payments-1 is not a replica of cart \(its replicas: cart-1, cart-2\)$/,
    );
    await expectThrows(
      manager.inject({ fault: 'dependency-unreachable', target: 'cart', params: { dependency: 'payments' } }),
      ChaosTargetError,
      /^payments is not a dependency of cart \(its dependencies: inventory\)$/,
    );
    await expectThrows(
      manager.inject({
        fault: 'dependency-unreachable',
        target: 'inventory',
        params: { dependency: 'cart' },
      }),
      ChaosTargetError,
      /its dependencies: none/,
    );
    platform.services.get('payments')!.replicas.forEach((r) => (r.ready = false));
    await expectThrows(
      manager.inject({ fault: 'cpu', target: 'payments' }),
      ChaosTargetError,
      /no ready replicas/,
    );
    await expectThrows(
      manager.inject({ fault: 'cpu', target: 'payments', replica: 'payments-1' }),
      ChaosTargetError,
      /^payments-1 is not ready$/,
    );
    expect(platform.calls).toEqual([]);
    expect(manager.list()).toEqual([]);
  });

  it('refuses injections after stop, having cleared the active ones', async () => {
    const { manager } = setUp();
    const a = await manager.inject({ fault: 'cpu', target: 'cart' });
    const b = await manager.inject({ fault: 'db-slow', target: 'payments', durationMs: 0 });
    await manager.stop();
    expect(manager.list().map((i) => [i.id, i.status])).toEqual([
      [a.id, 'cleared'],
      [b.id, 'cleared'],
    ]);
    await expectThrows(manager.inject({ fault: 'cpu', target: 'cart' }), ChaosInputError, /stopped/);
  });

  it('keeps a bounded history of finished injections', async () => {
    const { manager } = setUp({ keepFinished: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await manager.inject({ fault: 'crash', target: 'cart' })).id);
    expect(manager.list().map((i) => i.id)).toEqual(ids.slice(2));
  });
});

describe('chaos manager: record file', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('appends every start and end as a JSON line, in order, and tells onEvent the same', async () => {
    dir = await mkdtemp(join(tmpdir(), 'chaos-record-'));
    const recordFile = join(dir, 'nested', 'chaos.jsonl');
    const { clock, manager, events, platform } = setUp({ recordFile });
    const a = await manager.inject({ fault: 'latency', target: 'cart', durationMs: 10_000 });
    const b = await manager.inject({ fault: 'cpu', target: 'payments' });
    platform.failSend.add('gateway-1');
    await manager.inject({ fault: 'hang', target: 'gateway' }).catch(() => undefined);
    await manager.clear(b.id);
    clock.advance(10_000);
    await settle();
    await manager.flush();

    const lines = (await readFile(recordFile, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ChaosEvent);
    expect(lines).toEqual(events);
    expect(
      lines.map((l) => [
        l.event,
        'injection' in l ? l.injection?.fault : '',
        'injection' in l ? l.injection?.status : '',
      ]),
    ).toEqual([
      ['start', 'latency', 'active'],
      ['start', 'cpu', 'active'],
      ['end', 'hang', 'failed'],
      ['end', 'cpu', 'cleared'],
      ['end', 'latency', 'ended'],
    ]);
    const end = lines[4] as Extract<ChaosEvent, { event: 'end' }>;
    expect(end.injection).toMatchObject({ id: a.id, startedAt: 1_000_000, endedAt: 1_010_000 });
  });

  it('reports a record file it cannot write through onEvent, and goes on', async () => {
    dir = await mkdtemp(join(tmpdir(), 'chaos-record-'));
    // A directory where the file should be: every append fails.
    const { manager, events } = setUp({ recordFile: dir });
    const injection = await manager.inject({ fault: 'cpu', target: 'cart' });
    expect(injection.status).toBe('active');
    await vi.waitFor(() => expect(events.some((e) => e.event === 'error')).toBe(true));
    expect(events.find((e) => e.event === 'error')).toMatchObject({
      error: expect.stringMatching(/^chaos record file: /),
    });
  });
});
