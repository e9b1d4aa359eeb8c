// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { FlagsSnapshot } from '../api/delivery-types.js';
import { fakeControlApi, renderSignedIn, type FakeCall } from '../testing/fake-api.js';
import { compactJson, FlagsPage } from './flags-page.js';

afterEach(cleanup);

// The shop's flags (opsloop.yaml) as `GET /v1/flags` answers them, plus a targeted rollout flag.
function snapshot(): FlagsSnapshot {
  return {
    resourceVersion: 1765087080000,
    document: {
      flags: {
        'storefront-personalised-recommendations': {
          state: 'ENABLED',
          variants: { on: true, off: false },
          defaultVariant: 'on',
        },
        'checkout-payment-timeout-ms': {
          state: 'ENABLED',
          variants: { standard: 5000, aggressive: 5 },
          defaultVariant: 'standard',
        },
        'payments-card-provider': {
          state: 'ENABLED',
          variants: { primary: 'primary', secondary: 'secondary' },
          defaultVariant: 'primary',
          metadata: { failoverFor: 'payments' },
        },
        'new-checkout': {
          state: 'DISABLED',
          variants: { on: true, off: false },
          defaultVariant: 'off',
          targeting: {
            if: [
              { in: ['@example.com', { var: 'email' }] },
              'on',
              {
                fractional: [
                  ['on', 10],
                  ['off', 90],
                ],
              },
            ],
          },
        },
      },
    },
  };
}

const patches = (calls: FakeCall[]) =>
  calls.filter((c) => c.method === 'PATCH').map((c) => ({ path: c.path, body: c.body }));

describe('<FlagsPage>', () => {
  it('shows each flag: state, variants, default, targeting (expandable) and metadata', async () => {
    const fake = fakeControlApi({ 'GET /v1/flags': snapshot() });
    renderSignedIn(<FlagsPage />, { api: fake.api, role: 'viewer' });
    const row = (await screen.findByText('checkout-payment-timeout-ms')).closest('tr')!;
    expect(within(row).getByText('enabled')).toBeTruthy();
    expect(
      within(row).getByRole('list', { name: 'Variants of checkout-payment-timeout-ms' }).textContent,
    ).toBe('standard = 5000aggressive = 5');
    expect(within(row).getByText('standard', { selector: 'strong' })).toBeTruthy();

    const targeted = screen.getByText('new-checkout').closest('tr')!;
    expect(within(targeted).getByText('disabled')).toBeTruthy();
    const rule = within(targeted).getByText(/^\{"if":/);
    expect(rule.textContent.endsWith('…')).toBe(true);
    expect(within(targeted).getByText(/"fractional": \[/, { selector: 'pre' })).toBeTruthy();

    const provider = screen.getByText('payments-card-provider').closest('tr')!;
    expect(within(provider).getByText('failoverFor')).toBeTruthy();
    expect(within(provider).getByText('payments')).toBeTruthy();
  });

  it('gives viewers no controls', async () => {
    const fake = fakeControlApi({ 'GET /v1/flags': snapshot() });
    renderSignedIn(<FlagsPage />, { api: fake.api, role: 'viewer' });
    await screen.findByText('new-checkout');
    expect(screen.queryAllByRole('combobox')).toEqual([]);
    expect(screen.queryAllByRole('button')).toEqual([]);
  });

  it('lets an operator switch the default variant with PATCH {defaultVariant}', async () => {
    let flags = snapshot();
    const fake = fakeControlApi({
      'GET /v1/flags': () => flags,
      'PATCH /v1/flags/checkout-payment-timeout-ms': (call: FakeCall) => {
        const next = snapshot();
        next.resourceVersion += 1;
        next.document.flags['checkout-payment-timeout-ms']!.defaultVariant = (
          call.body as { defaultVariant: string }
        ).defaultVariant;
        flags = next;
        return {
          resourceVersion: next.resourceVersion,
          flag: next.document.flags['checkout-payment-timeout-ms'],
        };
      },
    });
    renderSignedIn(<FlagsPage />, { api: fake.api, role: 'operator' });
    const select = await screen.findByLabelText('Default variant of checkout-payment-timeout-ms');
    const save = screen.getByRole('button', { name: 'Save default variant of checkout-payment-timeout-ms' });
    expect((save as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(select, { target: { value: 'aggressive' } });
    fireEvent.click(save);
    expect(await screen.findByText('default variant aggressive saved (version 1765087080001)')).toBeTruthy();
    expect(patches(fake.calls)).toEqual([
      { path: '/v1/flags/checkout-payment-timeout-ms', body: { defaultVariant: 'aggressive' } },
    ]);
    const row = screen.getByText('checkout-payment-timeout-ms').closest('tr')!;
    await waitFor(() => expect(within(row).getByText('aggressive', { selector: 'strong' })).toBeTruthy());
  });

  it('disables after confirming and enables at once, with PATCH {state}', async () => {
    const fake = fakeControlApi({
      'GET /v1/flags': snapshot(),
      'PATCH /v1/flags/storefront-personalised-recommendations': { resourceVersion: 2, flag: {} },
      'PATCH /v1/flags/new-checkout': { resourceVersion: 3, flag: {} },
    });
    renderSignedIn(<FlagsPage />, { api: fake.api, role: 'operator' });
    fireEvent.click(
      await screen.findByRole('button', { name: 'Disable storefront-personalised-recommendations' }),
    );
    expect(patches(fake.calls)).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Yes, disable' }));
    fireEvent.click(screen.getByRole('button', { name: 'Enable new-checkout' }));
    await waitFor(() => expect(patches(fake.calls)).toHaveLength(2));
    expect(patches(fake.calls)).toEqual([
      { path: '/v1/flags/storefront-personalised-recommendations', body: { state: 'DISABLED' } },
      { path: '/v1/flags/new-checkout', body: { state: 'ENABLED' } },
    ]);
  });

  it('shows the problem detail when a change is refused', async () => {
    const fake = fakeControlApi({
      'GET /v1/flags': snapshot(),
      'PATCH /v1/flags/payments-card-provider': {
        status: 404,
        body: { detail: 'flags.payments-card-provider: no such flag (known: checkout-payment-timeout-ms)' },
      },
    });
    renderSignedIn(<FlagsPage />, { api: fake.api, role: 'operator' });
    fireEvent.change(await screen.findByLabelText('Default variant of payments-card-provider'), {
      target: { value: 'secondary' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Save default variant of payments-card-provider' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Save default variant of payments-card-provider refused: flags.payments-card-provider: no such flag (known: checkout-payment-timeout-ms)',
    );
  });

  it('refetches when a chaos event may have flipped a flag, and says when there are none', async () => {
    let flags: FlagsSnapshot = { resourceVersion: 1, document: { flags: {} } };
    const fake = fakeControlApi({ 'GET /v1/flags': () => flags });
    const page = renderSignedIn(<FlagsPage />, { api: fake.api, role: 'viewer' });
    expect(await screen.findByText(/No flags/)).toBeTruthy();
    flags = snapshot();
    page.emit({ type: 'chaos', phase: 'start', id: 'inj-0a1b2c3d', detail: 'bad-flag into checkout' });
    expect(await screen.findByText('new-checkout')).toBeTruthy();
  });
});

describe('compactJson', () => {
  it('keeps short JSON whole and cuts long JSON', () => {
    expect(compactJson({ a: 1 })).toBe('{"a":1}');
    expect(compactJson({ text: 'x'.repeat(100) }, 20)).toBe('{"text":"xxxxxxxxxx…');
  });
});
