import type { Endpoint } from '@opsloop/contracts';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { LoadBalancingConfigError } from './load-balancer.js';
import {
  createOutlierDetector,
  withOutlierEjection,
  type EjectionEvent,
  type OutlierDetectorOptions,
} from './outlier-detector.js';
import { createWeightedRoundRobin } from './weighted-round-robin.js';

const endpoint = (instance: string): Endpoint => ({
  instance,
  url: `http://127.0.0.1:1/${instance}`,
  version: '1',
});
const list = (...names: string[]) => names.map(endpoint);
const names = (endpoints: readonly Endpoint[]) => endpoints.map((e) => e.instance);

function detectorOver(endpoints: Endpoint[], options: Partial<OutlierDetectorOptions> = {}) {
  const clock = createManualClock(1_000_000);
  const ejections: EjectionEvent[] = [];
  const returns: string[] = [];
  const detector = createOutlierDetector({
    clock,
    onEject: (event) => ejections.push(event),
    onReturn: (instance) => returns.push(instance),
    ...options,
  });
  detector.available(endpoints);
  const fail = (instance: string, times: number) => {
    for (let i = 0; i < times; i++) detector.report(instance, 'failure');
  };
  return { clock, detector, ejections, returns, fail };
}

describe('createOutlierDetector', () => {
  it('ejects an endpoint after 5 consecutive failures, not before', () => {
    const four = list('a', 'b', 'c', 'd');
    const { detector, fail, ejections } = detectorOver(four);
    fail('a', 4);
    expect(detector.isEjected('a')).toBe(false);
    fail('a', 1);
    expect(detector.isEjected('a')).toBe(true);
    expect(names(detector.available(four))).toEqual(['b', 'c', 'd']);
    expect(ejections).toEqual([{ instance: 'a', durationMs: 30_000, times: 1 }]);
  });

  it('counts failures in a row only: a success starts over, an ignored outcome changes nothing', () => {
    const { detector, fail } = detectorOver(list('a', 'b'));
    fail('a', 4);
    detector.report('a', 'success');
    fail('a', 4);
    detector.report('a', 'ignored');
    expect(detector.isEjected('a')).toBe(false);
    fail('a', 1);
    expect(detector.isEjected('a')).toBe(true);
  });

  it('brings the endpoint back after the ejection time, with a clean count', () => {
    const two = list('a', 'b');
    const { detector, fail, clock, returns } = detectorOver(two);
    fail('a', 5);
    clock.advance(29_999);
    expect(names(detector.available(two))).toEqual(['b']);
    clock.advance(1);
    expect(names(detector.available(two))).toEqual(['a', 'b']);
    expect(returns).toEqual(['a']);
    fail('a', 4);
    expect(detector.isEjected('a')).toBe(false);
  });

  it('ejects for longer each time (base × times), capped, and lets the count decay while healthy', () => {
    const two = list('a', 'b');
    const { detector, fail, clock, ejections } = detectorOver(two, { maxEjectionMs: 100_000 });
    const ejectAndWait = () => {
      fail('a', 5);
      const duration = ejections.at(-1)!.durationMs;
      clock.advance(duration);
      detector.available(two);
      return duration;
    };
    // Failing again right after each return: 30 s, 60 s, 90 s, then the 100 s cap.
    expect([ejectAndWait(), ejectAndWait(), ejectAndWait(), ejectAndWait()]).toEqual([
      30_000, 60_000, 90_000, 100_000,
    ]);
    expect(ejections.map((e) => e.times)).toEqual([1, 2, 3, 4]);
    // 25 s back in service decays the count by two (one per 10 s): the next ejection is the third.
    clock.advance(25_000);
    expect(ejectAndWait()).toBe(90_000);
    // A long healthy spell forgets every past ejection.
    clock.advance(3_600_000);
    expect(ejectAndWait()).toBe(30_000);
  });

  it('never ejects more than maxEjectionPercent of the endpoints at once', () => {
    const four = list('a', 'b', 'c', 'd');
    const { detector, fail, clock } = detectorOver(four);
    for (const name of ['a', 'b', 'c', 'd']) fail(name, 5);
    expect(detector.ejected()).toEqual(['a', 'b']);
    // c keeps failing and stays in; once a and b are back it is ejected at its next failure.
    fail('c', 3);
    expect(detector.isEjected('c')).toBe(false);
    clock.advance(30_000);
    fail('c', 1);
    expect(detector.ejected()).toEqual(['c']);

    // Three endpoints at 50 %: one at most (floor of 1.5).
    const three = detectorOver(list('a', 'b', 'c'));
    three.fail('a', 5);
    three.fail('b', 5);
    expect(three.detector.ejected()).toEqual(['a']);
    // A single endpoint is never ejected at 50 %.
    const single = detectorOver(list('a'));
    single.fail('a', 50);
    expect(single.detector.ejected()).toEqual([]);
  });

  it('drops the state of an endpoint that leaves the list and ignores reports about it', () => {
    const { detector, fail } = detectorOver(list('a', 'b'));
    fail('a', 5);
    expect(detector.isEjected('a')).toBe(true);
    detector.available(list('b', 'c'));
    fail('a', 5);
    expect(detector.ejected()).toEqual([]);
    // Back under the same name: a fresh start.
    expect(names(detector.available(list('a', 'b', 'c')))).toEqual(['a', 'b', 'c']);
  });

  it('ignores outcomes of requests that were in flight when the endpoint was ejected', () => {
    const two = list('a', 'b');
    const { detector, fail, clock } = detectorOver(two);
    fail('a', 5);
    fail('a', 20);
    detector.report('a', 'success');
    expect(detector.isEjected('a')).toBe(true);
    clock.advance(30_000);
    expect(detector.isEjected('a')).toBe(false);
  });

  it.each([
    [{ consecutiveFailures: 0 }, 'outlierDetection.consecutiveFailures'],
    [{ baseEjectionMs: -1 }, 'outlierDetection.baseEjectionMs'],
    [{ decayIntervalMs: Number.NaN }, 'outlierDetection.decayIntervalMs'],
    [{ maxEjectionPercent: 101 }, 'outlierDetection.maxEjectionPercent'],
  ])('rejects %j naming the field', (options, field) => {
    let error: unknown;
    try {
      createOutlierDetector({ clock: createManualClock(), ...options });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LoadBalancingConfigError);
    expect((error as LoadBalancingConfigError).field).toBe(field);
    expect((error as Error).message).toMatch(new RegExp(`^${field}: expected`));
  });
});

describe('withOutlierEjection', () => {
  it('stops picking an endpoint after its failures and reports outcomes through released leases', () => {
    const clock = createManualClock();
    const detector = createOutlierDetector({ clock });
    const balancer = withOutlierEjection(createWeightedRoundRobin(), detector);
    const two = list('bad', 'good');
    const served: string[] = [];
    for (let i = 0; i < 30; i++) {
      const lease = balancer.acquire(two)!;
      served.push(lease.endpoint.instance);
      lease.release(lease.endpoint.instance === 'bad' ? 'failure' : 'success');
      lease.release('success'); // a second release is ignored
    }
    // Round-robin until bad's fifth failure (the 9th request), then good alone.
    expect(served.slice(0, 9)).toEqual('bad good bad good bad good bad good bad'.split(' '));
    expect(served.slice(9).every((instance) => instance === 'good')).toBe(true);
    clock.advance(30_000);
    const back = new Set(Array.from({ length: 2 }, () => balancer.acquire(two)!.endpoint.instance));
    expect(back).toEqual(new Set(['bad', 'good']));
  });

  it('panics when every endpoint is ejected: it still picks, and says so', () => {
    const clock = createManualClock();
    const detector = createOutlierDetector({ clock, maxEjectionPercent: 100 });
    const panics: string[][] = [];
    const balancer = withOutlierEjection(createWeightedRoundRobin(), detector, {
      onPanic: (endpoints) => panics.push(names(endpoints)),
    });
    const two = list('a', 'b');
    for (let i = 0; i < 10; i++) balancer.acquire(two)!.release('failure');
    expect(detector.ejected()).toEqual(['a', 'b']);
    const picked = new Set(Array.from({ length: 4 }, () => balancer.acquire(two)!.endpoint.instance));
    expect(picked).toEqual(new Set(['a', 'b']));
    expect(panics).toHaveLength(4);
    expect(panics[0]).toEqual(['a', 'b']);
    expect(balancer.acquire([])).toBeUndefined();
  });

  it('returns undefined when the only endpoints left are excluded, so the caller decides what to do', () => {
    const clock = createManualClock();
    const detector = createOutlierDetector({ clock });
    const balancer = withOutlierEjection(createWeightedRoundRobin(), detector);
    const two = list('bad', 'good');
    for (let i = 0; i < 10; i++) {
      const lease = balancer.acquire(two)!;
      lease.release(lease.endpoint.instance === 'bad' ? 'failure' : 'success');
    }
    expect(detector.isEjected('bad')).toBe(true);
    expect(balancer.acquire(two, new Set(['good']))).toBeUndefined();
  });
});
