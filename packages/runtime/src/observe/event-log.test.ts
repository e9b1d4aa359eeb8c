import { describe, expect, it } from 'vitest';
import { createEventLog } from './event-log.js';

describe('event log', () => {
  it('numbers events, keeps the newest within its size, and returns those after a sequence number', () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const log = createEventLog(() => (now += 1000), 3);
    for (const service of ['a', 'b', 'c', 'd'])
      log.record({ type: 'rollout-action', service, action: 'pause' });
    expect(log.last()).toBe(4);
    expect(log.since(0).map((e) => [e.seq, (e as { service: string }).service])).toEqual([
      [2, 'b'],
      [3, 'c'],
      [4, 'd'],
    ]);
    expect(log.since(3)).toHaveLength(1);
    expect(log.since(4)).toEqual([]);
    expect(log.since(0)[0]?.at).toBe('2030-01-01T00:00:02.000Z');
  });

  it('wakes a waiter on the next event, at once when one is newer, and on abort or close', async () => {
    const log = createEventLog(() => 0);
    const waiting = log.waitFor(0, 60_000);
    log.record({ type: 'rollout-action', service: 'a', action: 'pause' });
    await waiting;
    await log.waitFor(0, 60_000);
    const abort = new AbortController();
    const aborted = log.waitFor(1, 60_000, abort.signal);
    abort.abort();
    await aborted;
    const closing = log.waitFor(1, 60_000);
    log.close();
    await closing;
  });
});
