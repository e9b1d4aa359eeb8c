import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { createSeededRandom } from '../seeded-random.js';
import {
  currentFaultRegistry,
  faultActive,
  faultPoint,
  setCurrentFaultRegistry,
} from './current-fault-registry.js';
import { FaultInjectedError, isFaultInjectedError } from './fault-injected-error.js';
import { createFaultRegistry, type FaultEvent } from './fault-registry.js';
import { FaultSpecError } from './parse-fault-spec.js';
import type { ProcessEffects } from './process-effect.js';

/** Settles `promise` into what happened, without waiting for anything else. */
async function outcome(promise: Promise<void> | undefined): Promise<string> {
  if (promise === undefined) return 'none';
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return isFaultInjectedError(error) ? `failed ${error.status} ${error.grpcCode}` : 'other';
  }
}

/** Process effects that record their starts and stops instead of burning anything. */
function fakeEffects() {
  const log: string[] = [];
  const effect = (kind: string) => () => {
    log.push(`start ${kind}`);
    return { stop: () => void log.push(`stop ${kind}`) };
  };
  const effects: ProcessEffects = { hang: effect('hang'), cpu: effect('cpu'), memory: effect('memory') };
  return { log, effects };
}

describe('fault registry', () => {
  it('adds, lists, replaces by id, removes and clears, telling its listeners', () => {
    const clock = createManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const faults = createFaultRegistry({ clock });
    const events: string[] = [];
    faults.subscribe((event: FaultEvent) =>
      events.push(`${event.type} ${event.fault.id}${event.type === 'removed' ? ` ${event.reason}` : ''}`),
    );
    const added = faults.add({
      id: 'slow-db',
      kind: 'latency',
      point: 'db',
      params: { ms: 50 },
      durationMs: 1000,
    });
    expect(added).toEqual({
      id: 'slow-db',
      kind: 'latency',
      point: 'db',
      params: { ms: 50, distribution: 'fixed', ratio: 1 },
      startedAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-01T00:00:01.000Z',
    });
    const generated = faults.add({ kind: 'errors', point: 'http', params: { ratio: 0.5 } });
    expect(generated.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(generated.expiresAt).toBeUndefined();
    const replaced = faults.add({ id: 'slow-db', kind: 'latency', point: 'db', params: { ms: 80 } });
    expect(faults.list().map((fault) => fault.id)).toEqual([generated.id, 'slow-db']);
    expect(faults.get('slow-db')).toEqual(replaced);
    expect(faults.remove('slow-db')).toBe(true);
    expect(faults.remove('slow-db')).toBe(false);
    expect(faults.clear()).toBe(1);
    expect(faults.list()).toEqual([]);
    expect(events).toEqual([
      'added slow-db',
      `added ${generated.id}`,
      'removed slow-db replaced',
      'added slow-db',
      'removed slow-db deleted',
      `removed ${generated.id} cleared`,
    ]);
  });

  it('drops expired faults by timer and, without timers, when looked at', async () => {
    const clock = createManualClock(0);
    const faults = createFaultRegistry({ clock });
    const removed: string[] = [];
    faults.subscribe(
      (event) => event.type === 'removed' && removed.push(`${event.fault.id} ${event.reason}`),
    );
    faults.add({ id: 'a', kind: 'errors', point: 'http', params: { ratio: 1 }, durationMs: 100 });
    expect(faults.active('http')).toBe(true);
    clock.advance(99);
    expect(await outcome(faults.point('http'))).toBe('failed 500 INTERNAL');
    clock.advance(1);
    expect(removed).toEqual(['a expired']);
    expect(faults.point('http')).toBeUndefined();
    expect(faults.list()).toEqual([]);

    // A clock whose timers never fire (a busy process): the lookups notice the expiry themselves.
    let now = 0;
    const stuck = createFaultRegistry({ clock: { now: () => now, after: () => ({ cancel() {} }) } });
    stuck.add({ id: 'b', kind: 'errors', point: 'db', params: { ratio: 1 }, durationMs: 10 });
    now = 10;
    expect(stuck.active('db')).toBe(false);
    expect(stuck.point('db')).toBeUndefined();
    expect(stuck.get('b')).toBeUndefined();
    expect(stuck.list()).toEqual([]);
  });

  it('costs nothing where no fault is: no promise at all', () => {
    const faults = createFaultRegistry({ clock: createManualClock() });
    expect(faults.point('http')).toBeUndefined();
    faults.add({ kind: 'errors', point: 'db', params: { ratio: 0 } });
    expect(faults.point('http')).toBeUndefined();
    // ratio 0: the fault is active but this call was not picked.
    expect(faults.active('db')).toBe(true);
    expect(faults.point('db')).toBeUndefined();
  });

  it('fails the drawn ratio of calls (seeded), with the status and code asked for', async () => {
    const faults = createFaultRegistry({ clock: createManualClock(), random: createSeededRandom(7) });
    faults.add({ kind: 'errors', point: 'db', params: { ratio: 0.3, status: 503 } });
    const outcomes = await Promise.all(Array.from({ length: 1000 }, () => outcome(faults.point('db'))));
    const failed = outcomes.filter((o) => o === 'failed 503 UNAVAILABLE').length;
    expect(outcomes.filter((o) => o === 'none').length + failed).toBe(1000);
    expect(failed).toBeGreaterThan(250);
    expect(failed).toBeLessThan(350);
  });

  it('derives status and gRPC code per point', async () => {
    const faults = createFaultRegistry({ clock: createManualClock() });
    faults.add({ kind: 'errors', point: 'dependency:cart', params: { ratio: 1 } });
    faults.add({ kind: 'errors', point: 'rpc', params: { ratio: 1, grpcCode: 'DEADLINE_EXCEEDED' } });
    faults.add({ kind: 'errors', point: 'http', params: { ratio: 1, status: 429 } });
    expect(await outcome(faults.point('dependency:cart'))).toBe('failed 503 UNAVAILABLE');
    expect(await outcome(faults.point('rpc'))).toBe('failed 504 DEADLINE_EXCEEDED');
    expect(await outcome(faults.point('http'))).toBe('failed 429 RESOURCE_EXHAUSTED');
    const error: unknown = await faults.point('http')?.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaultInjectedError);
    expect(error).toMatchObject({ point: 'http', kind: 'errors', message: 'injected failure at http' });
  });

  it('waits the latency on its clock, then fails if an errors fault also picked the call', async () => {
    const clock = createManualClock();
    const faults = createFaultRegistry({ clock });
    faults.add({ kind: 'latency', point: 'db', params: { ms: 200 } });
    let settled = '';
    void outcome(faults.point('db')).then((o) => (settled = o));
    await Promise.resolve();
    clock.advance(199);
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe('');
    clock.advance(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe('ok');
    faults.add({ kind: 'errors', point: 'db', params: { ratio: 1 } });
    void outcome(faults.point('db')).then((o) => (settled = o));
    clock.advance(200);
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe('failed 500 INTERNAL');
  });

  it('holds calls while a stall lasts and releases them when it is removed or expires', async () => {
    const clock = createManualClock();
    const faults = createFaultRegistry({ clock });
    faults.add({ id: 'stall', kind: 'stall', point: 'bus-consumer' });
    const released: number[] = [];
    void faults.point('bus-consumer')?.then(() => released.push(1));
    void faults.point('bus-consumer')?.then(() => released.push(2));
    clock.advance(3_600_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(released).toEqual([]);
    faults.remove('stall');
    await new Promise((resolve) => setImmediate(resolve));
    expect(released).toEqual([1, 2]);
    faults.add({ id: 'stall', kind: 'stall', point: 'bus-consumer', durationMs: 1000 });
    void faults.point('bus-consumer')?.then(() => released.push(3));
    clock.advance(1000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(released).toEqual([1, 2, 3]);
  });

  it('starts process faults on add and stops them on removal, replacement, expiry and close', () => {
    const clock = createManualClock();
    const { log, effects } = fakeEffects();
    const faults = createFaultRegistry({ clock, effects });
    faults.add({ id: 'h', kind: 'hang', params: { ms: 100 }, durationMs: 50 });
    const cpu = faults.add({ id: 'c', kind: 'cpu', params: { percent: 50 } });
    expect(cpu.point).toBe('process');
    faults.add({ id: 'c', kind: 'cpu', params: { percent: 80 } });
    faults.add({ id: 'm', kind: 'memory', params: { mbPerSecond: 1 } });
    clock.advance(50);
    faults.close();
    expect(log).toEqual([
      'start hang',
      'start cpu',
      'stop cpu',
      'start cpu',
      'start memory',
      'stop hang',
      'stop cpu',
      'stop memory',
    ]);
  });

  it('refuses invalid specs and crash with a FaultSpecError naming the fields', () => {
    const faults = createFaultRegistry({ clock: createManualClock() });
    expect(() => faults.add({ kind: 'crash' })).toThrow(FaultSpecError);
    const error = (() => {
      try {
        faults.add({ kind: 'latency', point: 'db', params: { ms: -5 } });
      } catch (caught) {
        return caught as FaultSpecError;
      }
      return undefined;
    })();
    expect(error?.issues).toEqual([{ path: 'params.ms', message: 'expected milliseconds from 0 to 60000' }]);
    expect(faults.list()).toEqual([]);
  });
});

describe('the process-wide registry', () => {
  it('is reached through faultPoint and faultActive; none set: nothing happens', async () => {
    const previous = setCurrentFaultRegistry(undefined);
    try {
      expect(faultPoint('http')).toBeUndefined();
      expect(faultActive('http')).toBe(false);
      const faults = createFaultRegistry({ clock: createManualClock() });
      setCurrentFaultRegistry(faults);
      expect(currentFaultRegistry()).toBe(faults);
      faults.add({ kind: 'errors', point: 'http', params: { ratio: 1 } });
      expect(faultActive('http')).toBe(true);
      expect(await outcome(faultPoint('http'))).toBe('failed 500 INTERNAL');
      expect(faultPoint('db')).toBeUndefined();
      faults.close();
    } finally {
      setCurrentFaultRegistry(previous);
    }
  });
});
