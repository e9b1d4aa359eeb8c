// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SignIn } from './sign-in.js';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function answer(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status < 400 ? 'application/json' : 'application/problem+json' },
  });
}

describe('<SignIn>', () => {
  it('asks the API who the token is and hands over the session', async () => {
    const fetch = vi.fn(() => Promise.resolve(answer(200, { name: 'alice', role: 'viewer' })));
    vi.stubGlobal('fetch', fetch);
    const onSignedIn = vi.fn();
    render(<SignIn onSignedIn={onSignedIn} />);
    fireEvent.change(screen.getByLabelText('Token'), { target: { value: ' tok-1 ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(onSignedIn).toHaveBeenCalled());
    expect(onSignedIn).toHaveBeenCalledWith(
      { baseUrl: '', token: 'tok-1' },
      { name: 'alice', role: 'viewer' },
    );
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/v1/whoami');
    expect((init.headers as Record<string, string>).authorization).toBe('Bearer tok-1');
  });

  it('says a refused token is not valid, and signs nobody in', async () => {
    vi.stubGlobal('fetch', () =>
      Promise.resolve(answer(401, { type: 'https://opsloop.dev/problems/unauthorized', detail: 'no' })),
    );
    const onSignedIn = vi.fn();
    render(<SignIn onSignedIn={onSignedIn} />);
    fireEvent.change(screen.getByLabelText('Token'), { target: { value: 'bad' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveProperty(
      'textContent',
      'That token is not valid (or has expired).',
    );
    expect(onSignedIn).not.toHaveBeenCalled();
  });
});
