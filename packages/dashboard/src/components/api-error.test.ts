import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/problem.js';
import { asApiError } from './api-error.js';

describe('asApiError', () => {
  it('keeps an ApiError and wraps anything else with its message', () => {
    const refused = new ApiError(409, 'about:blank', 'a rollout is in progress');
    expect(asApiError(refused)).toBe(refused);
    const wrapped = asApiError(new TypeError('Failed to fetch'));
    expect([wrapped.status, wrapped.detail]).toEqual([0, 'Failed to fetch']);
    expect(asApiError('gone').detail).toBe('gone');
    expect(asApiError(undefined).detail).toBe('undefined');
  });
});
