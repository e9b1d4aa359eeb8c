// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/problem.js';
import { ConfirmButton } from './confirm-button.js';

afterEach(cleanup);

describe('<ConfirmButton>', () => {
  it('asks first, focuses the confirmation, and Escape cancels back to the button', async () => {
    const action = vi.fn(() => Promise.resolve('done'));
    render(
      <ConfirmButton label="Abort" name="Abort cart" confirm="Abort the rollout of cart?" action={action} />,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Abort cart' }));
    const yes = screen.getByRole('button', { name: 'Yes, abort' });
    expect(document.activeElement).toBe(yes);
    fireEvent.keyDown(yes, { key: 'Escape' });
    await waitFor(() =>
      expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Abort cart' })),
    );
    expect(action).not.toHaveBeenCalled();
  });

  it('acts at once without a question, is busy meanwhile, and hands over the result', async () => {
    let resolve: (value: unknown) => void = () => {};
    const onDone = vi.fn();
    render(<ConfirmButton label="Pause" action={() => new Promise((r) => (resolve = r))} onDone={onDone} />);
    fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    const busy = screen.getByRole<HTMLButtonElement>('button', { name: 'Pause…' });
    expect(busy.disabled).toBe(true);
    resolve({ paused: true });
    await waitFor(() => expect(onDone).toHaveBeenCalledWith({ paused: true }));
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Pause' }).disabled).toBe(false);
  });

  it("shows the API's problem detail when refused, and clears it on the next try", async () => {
    const action = vi
      .fn<() => Promise<unknown>>()
      .mockRejectedValueOnce(new ApiError(409, 'https://opsloop.dev/problems/conflict', 'nothing to promote'))
      .mockResolvedValueOnce({});
    render(<ConfirmButton label="Promote" action={action} />);
    fireEvent.click(screen.getByRole('button', { name: 'Promote' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Promote refused: nothing to promote');
    fireEvent.click(screen.getByRole('button', { name: 'Promote' }));
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
  });
});
