// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultInfo, InjectionJson as Injection } from '@opsloop/contracts';
import type { SystemStatus } from '../api/types.js';
import { buildInjectBody } from '../components/inject-form.js';
import { fakeControlApi, renderSignedIn, type FakeCall } from '../testing/fake-api.js';
import { serviceStatus } from '../testing/fixtures.js';
import { ChaosPage } from './chaos-page.js';

afterEach(cleanup);

// Entries of the real catalogue (`listFaults()` of @opsloop/chaos), as `GET /v1/chaos/faults` answers.
const LATENCY: FaultInfo = {
  name: 'latency',
  summary: "Adds a delay to the target's HTTP and gRPC requests.",
  scope: 'replica',
  mechanism: 'replica-endpoint',
  defaultDurationMs: 120000,
  instant: false,
  expectedCause: { service: 'target', kind: 'failure' },
  params: [
    {
      name: 'ms',
      type: 'integer',
      description: 'Delay added to each affected request, ms (the centre or scale of the distribution).',
      required: false,
      default: 800,
      range: '1..60000',
    },
    {
      name: 'distribution',
      type: 'string',
      description:
        'Shape of the delay: fixed (ms ± jitter), uniform, exponential (mean ms) or pareto (scale ms).',
      required: false,
      default: 'fixed',
      values: ['fixed', 'uniform', 'exponential', 'pareto'],
    },
    {
      name: 'ratio',
      type: 'number',
      description: 'Fraction of requests delayed, 0..1.',
      required: false,
      default: 1,
      range: '0..1',
    },
  ],
};
const ERRORS: FaultInfo = {
  name: 'errors',
  summary: "Fails a ratio of the target's HTTP and gRPC requests.",
  scope: 'replica',
  mechanism: 'replica-endpoint',
  defaultDurationMs: 120000,
  instant: false,
  expectedCause: { service: 'target', kind: 'failure' },
  params: [
    {
      name: 'ratio',
      type: 'number',
      description: 'Fraction of requests failed, 0..1.',
      required: false,
      default: 0.5,
      range: '0..1',
    },
    {
      name: 'status',
      type: 'number',
      description: 'HTTP status of a failed request.',
      required: false,
      default: 500,
      values: [400, 429, 500, 502, 503, 504],
    },
  ],
};
const CRASH: FaultInfo = {
  name: 'crash',
  summary: 'Kills replicas of the target (kill -9 by default); the runtime restarts them as after any crash.',
  scope: 'replica',
  mechanism: 'runtime',
  operation: 'killReplica',
  defaultDurationMs: 0,
  instant: true,
  expectedCause: { service: 'target', kind: 'failure' },
  params: [
    {
      name: 'replicas',
      type: 'integer',
      description: 'How many replicas to kill (ready ones first); ignored when --replica names one.',
      required: false,
      default: 1,
      range: '1..100',
    },
  ],
};
const BAD_FLAG: FaultInfo = {
  name: 'bad-flag',
  summary: 'Flips a feature flag to a bad variant; the target is the service that evaluates the flag.',
  scope: 'service',
  mechanism: 'runtime',
  operation: 'setFlag',
  defaultDurationMs: 120000,
  instant: false,
  expectedCause: { service: 'target', kind: 'change' },
  params: [
    { name: 'flag', type: 'string', description: 'The flag key.', required: true },
    { name: 'variant', type: 'string', description: 'The variant to serve to everyone.', required: true },
  ],
};
const FAULTS = { faults: [LATENCY, ERRORS, CRASH, BAD_FLAG] };

const STATUS: SystemStatus = {
  system: 'shop',
  startedAt: '2026-12-07T05:58:00.000Z',
  services: [serviceStatus('cart', 1, 1), serviceStatus('catalog', 2, 2), serviceStatus('checkout', 1, 1)],
};

const ACTIVE: Injection = {
  id: 'inj-3f9a01c2',
  fault: 'latency',
  target: 'catalog',
  params: { ms: 800, jitterMs: 0, distribution: 'fixed', ratio: 1, protocol: 'both' },
  durationMs: 120000,
  startedAt: '2026-12-07T06:05:00.000Z',
  endsAt: '2026-12-07T06:07:00.000Z',
  endedAt: null,
  status: 'active',
  replicas: [],
};
const FAILED: Injection = {
  id: 'inj-0b77e0a1',
  fault: 'errors',
  target: 'cart',
  replica: 'cart-2',
  params: { ratio: 0.5, status: 500, grpcCode: 'INTERNAL', protocol: 'both' },
  durationMs: 60000,
  startedAt: '2026-12-07T06:00:00.000Z',
  endsAt: null,
  endedAt: '2026-12-07T06:00:00.000Z',
  status: 'failed',
  replicas: [],
  errors: ['cart-2: connect ECONNREFUSED 127.0.0.1:41002'],
};

function routes(overrides: Record<string, unknown> = {}) {
  return {
    'GET /v1/chaos/faults': FAULTS,
    'GET /v1/chaos/injections': { injections: [ACTIVE, FAILED] },
    'GET /v1/status': STATUS,
    ...overrides,
  };
}

const mutations = (calls: FakeCall[]) =>
  calls.filter((c) => c.method !== 'GET').map((c) => ({ method: c.method, path: c.path, body: c.body }));

describe('<ChaosPage>', () => {
  it('lists injections and the fault catalogue; viewers get no form and no Clear', async () => {
    const fake = fakeControlApi(routes());
    renderSignedIn(<ChaosPage />, { api: fake.api, role: 'viewer' });
    const injections = await screen.findByRole('region', { name: 'Injections' });
    const active = (await within(injections).findByText('inj-3f9a01c2')).closest('tr')!;
    expect(within(active).getByText('active')).toBeTruthy();
    expect(
      within(active).getByText('ms=800 jitterMs=0 distribution=fixed ratio=1 protocol=both'),
    ).toBeTruthy();
    const failed = within(injections).getByText('inj-0b77e0a1').closest('tr')!;
    expect(within(failed).getByText('(cart-2)')).toBeTruthy();
    expect(within(failed).getByRole('list', { name: 'Errors of inj-0b77e0a1' }).textContent).toContain(
      'ECONNREFUSED',
    );

    const catalogue = screen.getByRole('region', { name: 'Fault catalogue' });
    const crash = within(catalogue).getByText('crash').closest('tr')!;
    expect(within(crash).getByText('at once')).toBeTruthy();
    expect(within(catalogue).getByRole('list', { name: 'Parameters of bad-flag' }).textContent).toBe(
      'flag string requiredvariant string required',
    );

    expect(screen.queryByRole('form', { name: 'Inject a fault' })).toBeNull();
    expect(screen.queryAllByRole('button')).toEqual([]);
    expect(fake.calls.some((c) => c.path === '/v1/status')).toBe(false);
  });

  it('builds the form from the fault params and injects with typed params and duration', async () => {
    const created: Injection = {
      ...ACTIVE,
      id: 'inj-aa55aa55',
      target: 'checkout',
      params: { ms: 1500, distribution: 'pareto', ratio: 0.25 },
    };
    const fake = fakeControlApi(routes({ 'POST /v1/chaos/injections': { status: 201, body: created } }));
    renderSignedIn(<ChaosPage />, { api: fake.api, role: 'operator' });
    const form = await screen.findByRole('form', { name: 'Inject a fault' });
    const view = within(form);
    expect(view.getByLabelText<HTMLSelectElement>('Fault').value).toBe('latency');
    const ms = view.getByLabelText<HTMLInputElement>('ms');
    expect(ms.value).toBe('800');
    expect(ms.min).toBe('1');
    expect(ms.max).toBe('60000');
    expect(ms.getAttribute('aria-describedby')).toBe(
      view.getByText(/Delay added to each affected request/).id,
    );
    fireEvent.change(view.getByLabelText('Target service'), { target: { value: 'checkout' } });
    fireEvent.change(ms, { target: { value: '1500' } });
    fireEvent.change(view.getByLabelText('distribution'), { target: { value: 'pareto' } });
    fireEvent.change(view.getByLabelText('ratio'), { target: { value: '0.25' } });
    fireEvent.change(view.getByLabelText('Duration (seconds)'), { target: { value: '90' } });
    fireEvent.click(view.getByRole('button', { name: 'Inject' }));
    expect(view.getByRole('group', { name: 'Inject latency into checkout for 90 s?' })).toBeTruthy();
    fireEvent.click(view.getByRole('button', { name: 'Yes, inject' }));
    expect((await view.findByRole('status')).textContent).toBe(
      'Injected inj-aa55aa55 (latency into checkout): active',
    );
    expect(mutations(fake.calls)).toEqual([
      {
        method: 'POST',
        path: '/v1/chaos/injections',
        body: {
          fault: 'latency',
          target: 'checkout',
          params: { ms: 1500, distribution: 'pareto', ratio: 0.25 },
          durationSeconds: 90,
        },
      },
    ]);
  });

  it('sends numeric enumerations as numbers, and no duration for an instant fault', async () => {
    const fake = fakeControlApi(routes({ 'POST /v1/chaos/injections': { status: 201, body: ACTIVE } }));
    renderSignedIn(<ChaosPage />, { api: fake.api, role: 'operator' });
    const form = await screen.findByRole('form', { name: 'Inject a fault' });
    const view = within(form);
    fireEvent.change(view.getByLabelText('Fault'), { target: { value: 'errors' } });
    fireEvent.change(view.getByLabelText('status'), { target: { value: '503' } });
    fireEvent.click(view.getByRole('button', { name: 'Inject' }));
    fireEvent.click(view.getByRole('button', { name: 'Yes, inject' }));
    fireEvent.change(await view.findByLabelText('Fault'), { target: { value: 'crash' } });
    expect(view.queryByLabelText('Duration (seconds)')).toBeNull();
    fireEvent.click(view.getByRole('button', { name: 'Inject' }));
    fireEvent.click(view.getByRole('button', { name: 'Yes, inject' }));
    await waitFor(() => expect(mutations(fake.calls)).toHaveLength(2));
    expect(mutations(fake.calls).map((m) => m.body)).toEqual([
      { fault: 'errors', target: 'cart', params: { ratio: 0.5, status: 503 } },
      { fault: 'crash', target: 'cart', params: { replicas: 1 } },
    ]);
  });

  it('holds Inject until required params are filled, and shows the problem detail of a refusal', async () => {
    const fake = fakeControlApi(
      routes({
        'POST /v1/chaos/injections': {
          status: 404,
          body: { detail: 'bad-flag: no flag named "new-checkout" (flags: checkout-payment-timeout-ms)' },
        },
      }),
    );
    renderSignedIn(<ChaosPage />, { api: fake.api, role: 'operator' });
    const view = within(await screen.findByRole('form', { name: 'Inject a fault' }));
    fireEvent.change(view.getByLabelText('Fault'), { target: { value: 'bad-flag' } });
    expect(view.getByText('Before injecting: flag is required.')).toBeTruthy();
    expect(view.getByRole<HTMLButtonElement>('button', { name: 'Inject' }).disabled).toBe(true);
    fireEvent.change(view.getByLabelText(/^flag/), { target: { value: 'new-checkout' } });
    fireEvent.change(view.getByLabelText(/^variant/), { target: { value: 'on' } });
    fireEvent.click(view.getByRole('button', { name: 'Inject' }));
    fireEvent.click(view.getByRole('button', { name: 'Yes, inject' }));
    expect((await view.findByRole('alert')).textContent).toBe(
      'Inject refused: bad-flag: no flag named "new-checkout" (flags: checkout-payment-timeout-ms)',
    );
    expect(mutations(fake.calls)[0]!.body).toEqual({
      fault: 'bad-flag',
      target: 'cart',
      params: { flag: 'new-checkout', variant: 'on' },
    });
  });

  it('targets one replica of a replica-scope fault, resetting it to all when the service changes', async () => {
    const created: Injection = { ...ACTIVE, id: 'inj-bb66bb66', replica: 'catalog-2' };
    const fake = fakeControlApi(routes({ 'POST /v1/chaos/injections': { status: 201, body: created } }));
    renderSignedIn(<ChaosPage />, { api: fake.api, role: 'operator' });
    const view = within(await screen.findByRole('form', { name: 'Inject a fault' }));
    const options = (select: HTMLSelectElement) => [...select.options].map((o) => [o.value, o.text]);
    fireEvent.change(view.getByLabelText('Target service'), { target: { value: 'catalog' } });
    const replica = view.getByLabelText<HTMLSelectElement>('Replica');
    expect(options(replica)).toEqual([
      ['', 'All replicas'],
      ['catalog-1', 'catalog-1'],
      ['catalog-2', 'catalog-2'],
    ]);
    fireEvent.change(replica, { target: { value: 'catalog-2' } });
    fireEvent.change(view.getByLabelText('Target service'), { target: { value: 'checkout' } });
    expect(options(view.getByLabelText('Replica'))).toEqual([
      ['', 'All replicas'],
      ['checkout-1', 'checkout-1'],
    ]);
    expect(view.getByLabelText<HTMLSelectElement>('Replica').value).toBe('');
    fireEvent.change(view.getByLabelText('Target service'), { target: { value: 'catalog' } });
    expect(view.getByLabelText<HTMLSelectElement>('Replica').value).toBe('');

    fireEvent.change(view.getByLabelText('Replica'), { target: { value: 'catalog-2' } });
    expect(view.getByLabelText('Replica').getAttribute('aria-describedby')).toBe(
      view.getByText('Only catalog-2: a restart of it ends the fault, and new replicas do not get it.').id,
    );
    fireEvent.click(view.getByRole('button', { name: 'Inject' }));
    expect(
      view.getByRole('group', { name: 'Inject latency into catalog-2 (catalog) for 2 min?' }),
    ).toBeTruthy();
    fireEvent.click(view.getByRole('button', { name: 'Yes, inject' }));
    expect((await view.findByRole('status')).textContent).toBe(
      'Injected inj-bb66bb66 (latency into catalog-2 (catalog)): active',
    );
    expect(mutations(fake.calls).map((m) => m.body)).toStrictEqual([
      {
        fault: 'latency',
        target: 'catalog',
        replica: 'catalog-2',
        params: { ms: 800, distribution: 'fixed', ratio: 1 },
      },
    ]);
  });

  it('offers no replica for a service-scope fault and sends none', async () => {
    const fake = fakeControlApi(routes({ 'POST /v1/chaos/injections': { status: 201, body: ACTIVE } }));
    renderSignedIn(<ChaosPage />, { api: fake.api, role: 'operator' });
    const view = within(await screen.findByRole('form', { name: 'Inject a fault' }));
    fireEvent.change(view.getByLabelText('Target service'), { target: { value: 'catalog' } });
    fireEvent.change(view.getByLabelText('Replica'), { target: { value: 'catalog-1' } });
    fireEvent.change(view.getByLabelText('Fault'), { target: { value: 'bad-flag' } });
    expect(view.queryByLabelText('Replica')).toBeNull();
    fireEvent.change(view.getByLabelText(/^flag/), { target: { value: 'new-checkout' } });
    fireEvent.change(view.getByLabelText(/^variant/), { target: { value: 'on' } });
    fireEvent.click(view.getByRole('button', { name: 'Inject' }));
    expect(view.getByRole('group', { name: 'Inject bad-flag into catalog for 2 min?' })).toBeTruthy();
    fireEvent.click(view.getByRole('button', { name: 'Yes, inject' }));
    await waitFor(() => expect(mutations(fake.calls)).toHaveLength(1));
    expect(mutations(fake.calls)[0]!.body).toStrictEqual({
      fault: 'bad-flag',
      target: 'catalog',
      params: { flag: 'new-checkout', variant: 'on' },
    });
  });

  it('keeps a chosen replica that the status no longer lists, marked gone, instead of widening to all', async () => {
    let status = STATUS;
    const fake = fakeControlApi(routes({ 'GET /v1/status': () => status }));
    const page = renderSignedIn(<ChaosPage />, { api: fake.api, role: 'operator' });
    const view = within(await screen.findByRole('form', { name: 'Inject a fault' }));
    fireEvent.change(view.getByLabelText('Target service'), { target: { value: 'catalog' } });
    fireEvent.change(view.getByLabelText('Replica'), { target: { value: 'catalog-2' } });
    status = { ...STATUS, services: [serviceStatus('cart', 1, 1), serviceStatus('catalog', 1, 1)] };
    page.emit({ type: 'spec-applied' });
    await waitFor(() => expect(view.getByRole('option', { name: 'catalog-2 (gone)' })).toBeTruthy());
    expect(view.getByLabelText<HTMLSelectElement>('Replica').value).toBe('catalog-2');
  });

  it('clears an active injection after confirming (DELETE) and refetches on chaos events', async () => {
    let injections = [ACTIVE, FAILED];
    const fake = fakeControlApi(
      routes({
        'GET /v1/chaos/injections': () => ({ injections }),
        'DELETE /v1/chaos/injections/inj-3f9a01c2': {
          ...ACTIVE,
          status: 'cleared',
          endedAt: '2026-12-07T06:06:00.000Z',
        },
      }),
    );
    const page = renderSignedIn(<ChaosPage />, { api: fake.api, role: 'operator' });
    fireEvent.click(await screen.findByRole('button', { name: 'Clear inj-3f9a01c2' }));
    expect(screen.queryByRole('button', { name: 'Clear inj-0b77e0a1' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Yes, clear' }));
    await waitFor(() =>
      expect(mutations(fake.calls)).toEqual([
        { method: 'DELETE', path: '/v1/chaos/injections/inj-3f9a01c2', body: undefined },
      ]),
    );
    injections = [{ ...ACTIVE, status: 'cleared', endedAt: '2026-12-07T06:06:00.000Z' }, FAILED];
    page.emit({ type: 'chaos', phase: 'end', id: 'inj-3f9a01c2', detail: 'cleared' });
    expect(await screen.findByText('cleared')).toBeTruthy();
  });

  it('shows an error when the injections cannot be read, and an empty list plainly', async () => {
    const broken = fakeControlApi(
      routes({
        'GET /v1/chaos/injections': { status: 404, body: { detail: 'fault injection is not available' } },
      }),
    );
    renderSignedIn(<ChaosPage />, { api: broken.api, role: 'viewer' });
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Injections: fault injection is not available',
    );
    cleanup();
    const empty = fakeControlApi(routes({ 'GET /v1/chaos/injections': { injections: [] } }));
    renderSignedIn(<ChaosPage />, { api: empty.api, role: 'viewer' });
    expect(await screen.findByText('No injection yet.')).toBeTruthy();
  });
});

describe('buildInjectBody', () => {
  it('names one replica only when one is chosen, and never for a service-scope fault', () => {
    expect(buildInjectBody(CRASH, 'catalog', 'catalog-1', {}, '')).toStrictEqual({
      body: { fault: 'crash', target: 'catalog', replica: 'catalog-1', params: { replicas: 1 } },
    });
    expect(buildInjectBody(CRASH, 'catalog', '', {}, '')).toStrictEqual({
      body: { fault: 'crash', target: 'catalog', params: { replicas: 1 } },
    });
    expect(buildInjectBody(BAD_FLAG, 'cart', 'cart-1', { flag: 'f', variant: 'on' }, '')).toEqual({
      error: 'bad-flag hits the whole service: it takes no replica',
    });
  });

  it('types params, leaves out empty optional ones and checks what it can', () => {
    expect(buildInjectBody(LATENCY, 'cart', '', { ms: ' 250 ', ratio: '' }, '')).toEqual({
      body: { fault: 'latency', target: 'cart', params: { ms: 250, distribution: 'fixed' } },
    });
    expect(buildInjectBody(LATENCY, 'cart', '', { ms: '2.5' }, '')).toEqual({
      error: 'ms must be a whole number (got "2.5")',
    });
    expect(buildInjectBody(LATENCY, 'cart', '', { ratio: 'half' }, '')).toEqual({
      error: 'ratio must be a number (got "half")',
    });
    expect(buildInjectBody(LATENCY, 'cart', '', {}, '0')).toEqual({
      error: 'the duration must be 1 to 86400 seconds (got "0")',
    });
    expect(buildInjectBody(LATENCY, '', '', {}, '')).toEqual({ error: 'choose a target service' });
    expect(buildInjectBody(CRASH, 'cart', '', {}, '30')).toEqual({
      body: { fault: 'crash', target: 'cart', params: { replicas: 1 } },
    });
  });
});
