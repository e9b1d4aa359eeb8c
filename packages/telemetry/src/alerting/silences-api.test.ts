import Fastify, { type FastifyInstance } from 'fastify';
import { createManualClock, type ManualClock } from '@opsloop/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlertNotifier } from './alert-notifier.js';
import type { AlertNotifier } from './alert-notifier-types.js';
import { silencesApiPlugin } from './silences-api.js';

const T0 = Date.UTC(2026, 11, 6, 12);
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

const postable = (extra: Record<string, unknown> = {}) => ({
  matchers: [{ name: 'severity', value: 'page', isRegex: false, isEqual: true }],
  startsAt: iso(T0),
  endsAt: iso(T0 + HOUR),
  createdBy: 'ana',
  comment: 'deploy',
  ...extra,
});

describe('Alertmanager v2 silences API', () => {
  let clock: ManualClock;
  let notifier: AlertNotifier;
  let app: FastifyInstance;

  beforeEach(async () => {
    clock = createManualClock(T0);
    let n = 0;
    notifier = createAlertNotifier({
      clock,
      config: {
        route: { receiver: 'oncall' },
        receivers: [{ name: 'oncall', webhooks: [{ url: 'http://127.0.0.1:9/hook' }] }],
      },
      newSilenceId: () => `00000000-0000-0000-0000-00000000000${++n}`,
      fetch: () => Promise.resolve({ status: 200 }),
    });
    app = Fastify();
    await app.register(silencesApiPlugin({ silences: notifier.silences, alerts: () => notifier.alerts() }));
  });
  afterEach(async () => {
    await app.close();
    await notifier.stop();
  });

  const post = (body: unknown) =>
    app.inject({ method: 'POST', url: '/api/v2/silences', payload: body as object });

  it('creates, reads, lists with a filter, and expires silences in Alertmanager shapes', async () => {
    const created = await post(postable());
    expect(created.statusCode).toBe(200);
    const { silenceID } = created.json<{ silenceID: string }>();
    const regex = postable({
      matchers: [{ name: 'service', value: 'check.*', isRegex: true, isEqual: true }],
      startsAt: iso(T0 + HOUR),
      endsAt: iso(T0 + 2 * HOUR),
    });
    const other = (await post(regex)).json<{ silenceID: string }>().silenceID;

    const one = await app.inject({ url: `/api/v2/silence/${silenceID}` });
    expect(one.json()).toEqual({
      id: silenceID,
      status: { state: 'active' },
      updatedAt: iso(T0),
      matchers: [{ name: 'severity', value: 'page', isRegex: false, isEqual: true }],
      startsAt: iso(T0),
      endsAt: iso(T0 + HOUR),
      createdBy: 'ana',
      comment: 'deploy',
    });
    const list = (url: string) =>
      app.inject({ url }).then((r) => r.json<{ id: string; status: { state: string } }[]>());
    // Active first, then pending.
    expect((await list('/api/v2/silences')).map((s) => [s.id, s.status.state])).toEqual([
      [silenceID, 'active'],
      [other, 'pending'],
    ]);
    const filtered = await list(`/api/v2/silences?filter=${encodeURIComponent('service="check.*"')}`);
    expect(filtered.map((s) => s.id)).toEqual([other]);

    const deleted = await app.inject({ method: 'DELETE', url: `/api/v2/silence/${silenceID}` });
    expect(deleted.statusCode).toBe(200);
    expect((await list('/api/v2/silences')).map((s) => [s.id, s.status.state])).toEqual([
      [other, 'pending'],
      [silenceID, 'expired'],
    ]);
    const again = await app.inject({ method: 'DELETE', url: `/api/v2/silence/${silenceID}` });
    expect(again.statusCode).toBe(409);
  });

  it('updates with an id: the same silence when allowed, else a new one replacing it', async () => {
    const { silenceID } = (await post(postable())).json<{ silenceID: string }>();
    clock.advance(60_000);
    const longer = await post(postable({ id: silenceID, endsAt: iso(T0 + 2 * HOUR) }));
    expect(longer.json()).toEqual({ silenceID });
    const changed = await post(postable({ id: silenceID, comment: 'x', startsAt: iso(T0 + 60_000) }));
    const next = changed.json<{ silenceID: string }>().silenceID;
    expect(next).not.toBe(silenceID);
    const old = await app.inject({ url: `/api/v2/silence/${silenceID}` });
    expect(old.json()).toMatchObject({ status: { state: 'expired' }, endsAt: iso(T0 + 60_000) });
  });

  it('answers bad input with 400 and unknown ids with 404, as problem+json', async () => {
    const problem = (response: Awaited<ReturnType<typeof post>>, status: number, type: string) => {
      expect(response.statusCode).toBe(status);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json<{ type: string }>().type).toBe(`https://opsloop.dev/problems/${type}`);
      return response.json<{ detail?: string; errors?: { in: string; path: string }[] }>();
    };
    const missing = problem(await post({ matchers: [] }), 400, 'validation-failed');
    expect(missing.errors?.map((e) => e.path)).toEqual(
      expect.arrayContaining(['matchers', 'startsAt', 'endsAt', 'createdBy', 'comment']),
    );
    const past = problem(await post(postable({ endsAt: iso(T0 - 1) })), 400, 'validation-failed');
    expect(past.detail).toMatch(/endsAt must be after startsAt/);
    const everything = postable({ matchers: [{ name: 'a', value: '.*', isRegex: true, isEqual: true }] });
    expect(problem(await post(everything), 400, 'validation-failed').detail).toMatch(/empty string/);
    problem(await post(postable({ endsAt: 'tomorrow' })), 400, 'validation-failed');
    problem(await post(postable({ id: 'nope' })), 404, 'resource-not-found');
    problem(await app.inject({ url: '/api/v2/silence/nope' }), 404, 'resource-not-found');
    problem(await app.inject({ method: 'DELETE', url: '/api/v2/silence/nope' }), 404, 'resource-not-found');
    const badFilter = await app.inject({ url: '/api/v2/silences?filter=%3Dbroken' });
    expect(problem(badFilter, 400, 'validation-failed').errors).toEqual([
      expect.objectContaining({ in: 'query', path: 'filter' }),
    ]);
    const notJson = await app.inject({
      method: 'POST',
      url: '/api/v2/silences',
      payload: '{',
      headers: { 'content-type': 'application/json' },
    });
    problem(notJson, 400, 'malformed-body');
  });

  it("lists the notifier's alerts with their silences, and filters them as Alertmanager does", async () => {
    notifier.receive([
      { labels: { alertname: 'Down', severity: 'page' }, annotations: {}, startsAtMs: T0 },
      { labels: { alertname: 'Slow', severity: 'ticket' }, annotations: {}, startsAtMs: T0 },
    ]);
    const { silenceID } = (await post(postable())).json<{ silenceID: string }>();
    type Alert = { labels: { alertname: string }; receivers: { name: string }[]; status: unknown };
    const get = (query = '') => app.inject({ url: `/api/v2/alerts${query}` }).then((r) => r.json<Alert[]>());
    const all = await get();
    expect(all.map((a) => [a.labels.alertname, a.status])).toEqual(
      expect.arrayContaining([
        ['Down', { state: 'suppressed', silencedBy: [silenceID], inhibitedBy: [], mutedBy: [] }],
        ['Slow', { state: 'active', silencedBy: [], inhibitedBy: [], mutedBy: [] }],
      ]),
    );
    expect(all[0]!.receivers).toEqual([{ name: 'oncall' }]);
    expect((await get('?silenced=false')).map((a) => a.labels.alertname)).toEqual(['Slow']);
    expect((await get('?active=false')).map((a) => a.labels.alertname)).toEqual(['Down']);
    expect((await get('?filter=alertname%3D%22Slow%22')).map((a) => a.labels.alertname)).toEqual(['Slow']);
    expect(await get('?receiver=nobody')).toEqual([]);
  });
});
