// @vitest-environment jsdom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { useCan } from '../app/context.js';
import { useQuery } from '../app/use-query.js';
import { fakeControlApi, renderSignedIn } from './fake-api.js';

afterEach(cleanup);

function Probe() {
  const status = useQuery(
    'status',
    (api, signal) => api.get<{ system: string }>('/v1/status', undefined, signal),
    {
      refetchOn: (e) => e.type === 'replica-ready',
    },
  );
  const operate = useCan('operator');
  return (
    <p>
      {status.data?.system ?? status.error?.detail ?? 'loading'} / {operate ? 'can operate' : 'read only'}
    </p>
  );
}

describe('page test support', () => {
  it('answers routes, refuses unknown ones, and re-fetches on a matching live event', async () => {
    let system = 'shop';
    const fake = fakeControlApi({ 'GET /v1/status': () => ({ system }) });
    const page = renderSignedIn(<Probe />, { api: fake.api, role: 'viewer' });
    expect(await screen.findByText('shop / read only')).toBeTruthy();
    system = 'shop-2';
    page.emit({ type: 'replica-ready', service: 'cart' });
    expect(await screen.findByText('shop-2 / read only')).toBeTruthy();
    expect(fake.calls.filter((c) => c.path === '/v1/status')).toHaveLength(2);
    await expect(fake.api.get('/v1/nope')).rejects.toMatchObject({ status: 404 });
  });
});
