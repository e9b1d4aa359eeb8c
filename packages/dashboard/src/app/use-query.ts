import { useCallback, useEffect, useRef, useState } from 'react';
import type { Api } from '../api/client.js';
import { ApiError } from '../api/problem.js';
import type { RuntimeEventRecord } from '../api/types.js';
import { useDashboard } from './context.js';

export interface QueryState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  /** Fetches again now. */
  refresh(): void;
}

export interface QueryOptions {
  /** Re-fetch period (ms); 0 = only on demand and on matching events. Default 10 s. */
  pollMs?: number;
  /** Re-fetch when a live event matches (debounced). */
  refetchOn?: (event: RuntimeEventRecord) => boolean;
  /** Skip fetching (e.g. until a choice is made). */
  enabled?: boolean;
}

/**
 * Data from the control API that stays fresh: fetched on mount and when `key` changes, re-fetched every
 * `pollMs` and soon after a matching live event. Keeps the last good data while a re-fetch fails.
 */
export function useQuery<T>(
  key: string,
  fetcher: (api: Api, signal: AbortSignal) => Promise<T>,
  options: QueryOptions = {},
): QueryState<T> {
  const { api, onEvent } = useDashboard();
  const { pollMs = 10_000, refetchOn, enabled = true } = options;
  const [state, setState] = useState<{ data: T | undefined; error: ApiError | undefined; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: enabled,
  });
  const [tick, setTick] = useState(0);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const refetchRef = useRef(refetchOn);
  refetchRef.current = refetchOn;
  const refresh = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    if (!enabled) return;
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    fetcherRef.current(api, abort.signal).then(
      (data) => {
        if (!abort.signal.aborted) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (abort.signal.aborted) return;
        const apiError =
          error instanceof ApiError ? error : new ApiError(0, 'about:blank', (error as Error).message);
        setState((s) => ({ data: s.data, error: apiError, loading: false }));
      },
    );
    return () => abort.abort();
  }, [api, key, tick, enabled]);

  useEffect(() => {
    if (!enabled || pollMs <= 0) return;
    const timer = setInterval(refresh, pollMs);
    return () => clearInterval(timer);
  }, [enabled, pollMs, refresh]);

  useEffect(() => {
    if (!enabled) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = onEvent((event) => {
      if (refetchRef.current?.(event) !== true || timer !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        refresh();
      }, 300);
    });
    return () => {
      stop();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [enabled, onEvent, refresh]);

  return { ...state, refresh };
}
