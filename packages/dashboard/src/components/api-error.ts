import { ApiError } from '../api/problem.js';

/**
 * Any failure as an `ApiError`, so one `ErrorNote` shows it: an ApiError as it is, anything else (a network
 * failure, a thrown string) as status 0 with its message.
 */
export function asApiError(failure: unknown): ApiError {
  if (failure instanceof ApiError) return failure;
  const message = (failure as Error | null | undefined)?.message;
  return new ApiError(0, 'about:blank', typeof message === 'string' ? message : String(failure));
}
