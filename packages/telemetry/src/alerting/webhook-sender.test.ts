import { createManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { deliverWebhook, type WebhookFetch } from './webhook-sender.js';

/** Lets pending promise callbacks run (the delivery awaits fetch, then schedules its backoff timer). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

function scripted(...answers: (number | 'error' | 'hang')[]) {
  const calls: { url: string; at: number }[] = [];
  let clockNow = () => 0;
  const fetch: WebhookFetch = (url, init) => {
    calls.push({ url, at: clockNow() });
    expect(init.method).toBe('POST');
    expect(init.headers['content-type']).toBe('application/json');
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
    if (answer === 'error') return Promise.reject(new Error('ECONNREFUSED'));
    if (answer === 'hang') return new Promise(() => {});
    return Promise.resolve({ status: answer! });
  };
  return { fetch, calls, bind: (now: () => number) => (clockNow = now) };
}

describe('deliverWebhook', () => {
  it('delivers on the first 2xx', async () => {
    const clock = createManualClock(0);
    const { fetch, calls } = scripted(200);
    const result = await deliverWebhook('http://127.0.0.1:9/hook', '{}', {
      clock,
      fetch,
      attemptTimeoutMs: 1_000,
      deadlineMs: 60_000,
    });
    expect(result).toEqual({ ok: true, attempts: 1, status: 200 });
    expect(calls).toHaveLength(1);
  });

  it('retries 5xx, 429 and network errors with doubling backoff until a 2xx', async () => {
    const clock = createManualClock(0);
    const s = scripted(503, 'error', 429, 204);
    s.bind(() => clock.now());
    const pending = deliverWebhook('http://127.0.0.1:9/hook', '{}', {
      clock,
      fetch: s.fetch,
      attemptTimeoutMs: 1_000,
      deadlineMs: 60_000,
    });
    for (const wait of [1_000, 2_000, 4_000]) {
      await settle();
      clock.advance(wait);
    }
    expect(await pending).toEqual({ ok: true, attempts: 4, status: 204 });
    expect(s.calls.map((c) => c.at)).toEqual([0, 1_000, 3_000, 7_000]);
  });

  it('does not retry other 4xx', async () => {
    const clock = createManualClock(0);
    const { fetch, calls } = scripted(400);
    const result = await deliverWebhook('http://127.0.0.1:9/hook', '{}', {
      clock,
      fetch,
      attemptTimeoutMs: 1_000,
      deadlineMs: 60_000,
    });
    expect(result).toMatchObject({ ok: false, attempts: 1, status: 400 });
    expect(calls).toHaveLength(1);
  });

  it('bounds a hanging receiver by the attempt timeout and the whole delivery by the deadline', async () => {
    const clock = createManualClock(0);
    const s = scripted('hang');
    const pending = deliverWebhook('http://127.0.0.1:9/hook', '{}', {
      clock,
      fetch: s.fetch,
      attemptTimeoutMs: 5_000,
      deadlineMs: 10_000,
      initialBackoffMs: 1_000,
    });
    for (let i = 0; i < 6; i++) {
      await settle();
      clock.advance(1_000);
    }
    await settle();
    clock.advance(10_000);
    const result = await pending;
    expect(result).toMatchObject({ ok: false, error: 'timed out after 5000 ms' });
    // Attempt at 0 (times out at 5 s), retry at 6 s (times out at 11 s), no attempt after the deadline.
    expect(result.attempts).toBe(2);
  });
});
