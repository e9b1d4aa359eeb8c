import { createManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { alertFingerprint } from './alert-fingerprint.js';
import { createAlertNotifier } from './alert-notifier.js';
import type { AlertNotifierOptions } from './alert-notifier-types.js';
import type { PostableAlert } from './alert-types.js';
import { parseMatchers } from './label-matchers.js';
import type { NotifierConfigInput } from './notifier-config.js';
import type { WebhookPayload } from './webhook-payload.js';

const S = 1_000;
const M = 60_000;
const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

const config: NotifierConfigInput = {
  route: {
    receiver: 'default',
    groupBy: ['alertname', 'service'],
    groupWait: '30s',
    groupInterval: '5m',
    repeatInterval: '4h',
    routes: [{ matchers: ['severity="page"'], receiver: 'pager' }],
  },
  receivers: [
    { name: 'default', webhooks: [{ url: 'http://127.0.0.1:9001/default' }] },
    { name: 'pager', webhooks: [{ url: 'http://127.0.0.1:9001/pager' }] },
  ],
  inhibitRules: [
    {
      sourceMatchers: ['alertname="SLOErrorBudgetBurn"', 'severity="page"'],
      targetMatchers: ['alertname="SLOErrorBudgetBurn"', 'severity="ticket"'],
      equal: ['service', 'slo'],
    },
    {
      sourceMatchers: ['alertname="ServiceDown"'],
      targetMatchers: ['alertname="SLOErrorBudgetBurn"'],
      equal: ['service'],
    },
  ],
};
const URLS = new Set(['http://127.0.0.1:9001/default', 'http://127.0.0.1:9001/pager']);

/** Lets pending promise callbacks run (deliveries await fetch before scheduling anything on the clock). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

function setup(status: (url: string) => number = () => 200, extra: Partial<AlertNotifierOptions> = {}) {
  const clock = createManualClock(T0);
  const posts: { url: string; at: number; body: WebhookPayload }[] = [];
  const failures: string[] = [];
  const notifier = createAlertNotifier({
    config,
    clock,
    externalURL: 'http://opsloop.test:4000',
    newSilenceId: () => 'silence-1',
    onDeliveryError: (f) => failures.push(`${f.receiver} ${f.error} after ${f.attempts}`),
    fetch: (url, init) => {
      // Only the configured URLs may ever be called.
      if (!URLS.has(url)) throw new Error(`unexpected URL ${url}`);
      posts.push({ url, at: clock.now(), body: JSON.parse(init.body) as WebhookPayload });
      return Promise.resolve({ status: status(url) });
    },
    ...extra,
  });
  const advance = async (ms: number) => {
    clock.advance(ms);
    await settle();
  };
  return { clock, notifier, posts, failures, advance };
}

const burn = (
  service: string,
  slo: string,
  severity: string,
  startsAtMs = T0,
  endsAtMs = T0 + 24 * 60 * M,
): PostableAlert => ({
  labels: { alertname: 'SLOErrorBudgetBurn', service, slo, severity },
  annotations: { summary: `${slo} burning`, runbook_url: 'https://runbooks.test/slo' },
  startsAtMs,
  endsAtMs,
  generatorURL: 'http://prometheus.test/graph?g0.expr=x',
});

describe('alert notifier: grouping and timers', () => {
  it('waits group_wait, then posts one Alertmanager webhook payload (version 4) for the group', async () => {
    const { notifier, posts, advance } = setup();
    const a = burn('checkout', 'checkout-latency', 'ticket');
    const b = burn('checkout', 'checkout-availability', 'ticket', T0 + S);
    notifier.receive([a, b]);
    await advance(29 * S);
    expect(posts).toEqual([]);
    await advance(S);
    expect(posts).toHaveLength(1);
    expect(posts[0]).toEqual({
      url: 'http://127.0.0.1:9001/default',
      at: T0 + 30 * S,
      body: {
        version: '4',
        groupKey: '{}:{alertname="SLOErrorBudgetBurn", service="checkout"}',
        truncatedAlerts: 0,
        status: 'firing',
        receiver: 'default',
        groupLabels: { alertname: 'SLOErrorBudgetBurn', service: 'checkout' },
        commonLabels: { alertname: 'SLOErrorBudgetBurn', service: 'checkout', severity: 'ticket' },
        commonAnnotations: { runbook_url: 'https://runbooks.test/slo' },
        externalURL: 'http://opsloop.test:4000',
        alerts: [a, b].map((x) => ({
          status: 'firing',
          labels: x.labels,
          annotations: x.annotations,
          startsAt: new Date(x.startsAtMs).toISOString(),
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: x.generatorURL,
          fingerprint: alertFingerprint(x.labels),
        })),
      },
    });
  });

  it('notifies a joining alert at the next group_interval, and an unchanged group again after repeat_interval', async () => {
    const { notifier, posts, advance } = setup();
    notifier.receive([burn('checkout', 'a', 'ticket')]);
    await advance(30 * S);
    await advance(30 * S);
    notifier.receive([burn('checkout', 'b', 'ticket', T0 + M)]);
    await advance(4 * M);
    expect(posts).toHaveLength(1);
    await advance(30 * S); // T0 + 5m30s: group_interval after the first notification
    expect(posts.map((p) => [p.at - T0, p.body.alerts.length])).toEqual([
      [30 * S, 1],
      [5 * M + 30 * S, 2],
    ]);
    for (let i = 0; i < 47; i++) await advance(5 * M); // nothing new for ~4h
    expect(posts).toHaveLength(2);
    await advance(5 * M); // first tick at least 4h after the last notification
    expect(posts.map((p) => p.at - T0)).toEqual([30 * S, 5 * M + 30 * S, 4 * 60 * M + 5 * M + 30 * S]);
  });

  it('sends the resolution once (endsAt set, status resolved), then forgets the group', async () => {
    const { notifier, posts, advance, clock } = setup();
    notifier.receive([burn('checkout', 'a', 'ticket', T0, T0 + 2 * M)]);
    await advance(30 * S);
    await advance(5 * M);
    await advance(5 * M);
    expect(posts.map((p) => [p.at - T0, p.body.status])).toEqual([
      [30 * S, 'firing'],
      [5 * M + 30 * S, 'resolved'],
    ]);
    expect(posts[1]!.body.alerts[0]).toMatchObject({
      status: 'resolved',
      endsAt: new Date(T0 + 2 * M).toISOString(),
    });
    expect(clock.pending()).toBe(0);
    expect(notifier.alerts()).toEqual([]);
  });

  it('sends an alert that started more than group_wait ago at once', async () => {
    const { notifier, posts, advance } = setup();
    notifier.receive([burn('orders', 'o', 'ticket', T0 - 10 * M)]);
    await advance(0);
    expect(posts).toHaveLength(1);
  });

  it('does not send resolutions to a webhook with sendResolved false, and truncates to maxAlerts', async () => {
    const quiet: NotifierConfigInput = {
      route: { receiver: 'r', groupBy: ['service'], groupWait: '0s', groupInterval: '1m' },
      receivers: [
        {
          name: 'r',
          webhooks: [{ url: 'http://127.0.0.1:9001/default', sendResolved: false, maxAlerts: 1 }],
        },
      ],
    };
    const { notifier, posts, advance } = setup(() => 200, { config: quiet });
    notifier.receive([burn('x', 'a', 'ticket', T0, T0 + 30 * S), burn('x', 'b', 'ticket', T0, T0 + 30 * S)]);
    await advance(0);
    expect(posts[0]!.body).toMatchObject({ truncatedAlerts: 1 });
    expect(posts[0]!.body.alerts).toHaveLength(1);
    await advance(M);
    await advance(M);
    expect(posts).toHaveLength(1);
  });
});

describe('alert notifier: routing, inhibition and silences', () => {
  it('routes pages to the pager and mutes the ticket of the SLO that pages', async () => {
    const { notifier, posts, advance } = setup();
    const page = burn('checkout', 'checkout-availability', 'page');
    const ticket = burn('checkout', 'checkout-availability', 'ticket');
    notifier.receive([page, ticket]);
    await advance(30 * S);
    expect(posts.map((p) => [p.url, p.body.alerts.map((a) => a.labels.severity)])).toEqual([
      ['http://127.0.0.1:9001/pager', ['page']],
    ]);
    const muted = notifier.alerts().find((a) => a.labels.severity === 'ticket');
    expect(muted?.status).toEqual({
      state: 'suppressed',
      silencedBy: [],
      inhibitedBy: [alertFingerprint(page.labels)],
    });
    expect(muted?.receivers).toEqual(['default']);
  });

  it("mutes a down service's SLO alerts, not another service's", async () => {
    const { notifier, posts, advance } = setup();
    notifier.receive([
      {
        labels: { alertname: 'ServiceDown', service: 'checkout', job: 'checkout', severity: 'page' },
        annotations: {},
        startsAtMs: T0,
        endsAtMs: T0 + 60 * M,
      },
      burn('checkout', 'checkout-availability', 'page'),
      burn('orders', 'orders-availability', 'page'),
    ]);
    await advance(30 * S);
    expect(posts.map((p) => p.body.groupKey).sort()).toEqual([
      '{}/{severity="page"}:{alertname="SLOErrorBudgetBurn", service="orders"}',
      '{}/{severity="page"}:{alertname="ServiceDown", service="checkout"}',
    ]);
  });

  it('holds back silenced alerts until the silence expires', async () => {
    const { notifier, posts, advance, clock } = setup();
    const silence = notifier.silences.create({
      matchers: parseMatchers('{service="checkout"}'),
      endsAtMs: T0 + 2 * 60 * M,
      createdBy: 'oncall@example.com',
      comment: 'known incident',
    });
    notifier.receive([burn('checkout', 'a', 'page')]);
    await advance(30 * S);
    expect(posts).toEqual([]);
    expect(notifier.alerts()[0]!.status).toEqual({
      state: 'suppressed',
      silencedBy: ['silence-1'],
      inhibitedBy: [],
    });
    await advance(M);
    notifier.silences.expire(silence.id);
    expect(clock.now()).toBe(T0 + 90 * S);
    await advance(4 * M);
    expect(posts.map((p) => p.at - T0)).toEqual([5 * M + 30 * S]);
    expect(notifier.alerts()[0]!.status.state).toBe('active');
  });
});

describe('alert notifier: delivery', () => {
  it('retries a failing receiver within the group interval, never blocking other groups, and retries at the next flush', async () => {
    let pagerStatus = 500;
    const { notifier, posts, failures, advance } = setup((url) =>
      url.endsWith('/pager') ? pagerStatus : 200,
    );
    notifier.receive([burn('checkout', 'a', 'page'), burn('orders', 'b', 'ticket')]);
    await advance(30 * S);
    expect(posts.filter((p) => p.url.endsWith('/default'))).toHaveLength(1);
    // Receiving goes on while the pager delivery is retrying.
    notifier.receive([burn('orders', 'c', 'ticket', T0 + 31 * S)]);
    for (let i = 0; i < 299; i++) await advance(S); // up to just before the next flush
    const pagerAttempts = posts.filter((p) => p.url.endsWith('/pager')).map((p) => p.at - T0 - 30 * S);
    // Backoff 1 s, 2 s, 4 s … capped at 30 s; the last attempt starts before the 5 m deadline.
    expect(pagerAttempts.slice(0, 5)).toEqual([0, 1 * S, 3 * S, 7 * S, 15 * S]);
    expect(pagerAttempts.at(-1)).toBeLessThan(5 * M);
    expect(failures).toEqual([`pager unexpected status 500 after ${pagerAttempts.length}`]);
    expect(notifier.stats()).toEqual({ notificationsSent: 1, notificationsFailed: 1 });
    // The failed notification was not logged as sent: the next flush tries again, and gets through.
    pagerStatus = 200;
    await advance(S);
    expect(posts.filter((p) => p.url.endsWith('/pager')).at(-1)).toMatchObject({
      at: T0 + 5 * M + 30 * S,
      body: { status: 'firing' },
    });
    // …and the orders group, which alert c joined meanwhile, gets its group_interval notification too.
    expect(posts.filter((p) => p.url.endsWith('/default')).map((p) => p.body.alerts.length)).toEqual([1, 2]);
    expect(notifier.stats().notificationsSent).toBe(3);
    await notifier.stop();
  });

  it('refuses configurations Alertmanager would refuse', () => {
    const clock = createManualClock(0);
    const bad = (c: unknown) => () => createAlertNotifier({ config: c as NotifierConfigInput, clock });
    expect(bad({ ...config, route: { receiver: 'nobody' } })).toThrow(
      /route.receiver: undefined receiver "nobody"/,
    );
    expect(bad({ ...config, route: { groupBy: ['x'] } })).toThrow(/root route needs a receiver/);
    expect(
      bad({ route: { receiver: 'r' }, receivers: [{ name: 'r', webhooks: [{ url: 'ftp://x' }] }] }),
    ).toThrow(/http\(s\) URL/);
    expect(bad({ ...config, route: { receiver: 'default', routes: [{ matchers: ['sev=="x"'] }] } })).toThrow(
      /bad matcher/,
    );
    expect(bad({ ...config, route: { receiver: 'default', groupWait: '30 s' } })).toThrow(/duration/);
  });
});
