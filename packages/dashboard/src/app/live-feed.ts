import type { Api } from '../api/client.js';
import { serverSentEvents } from '../api/streams.js';
import type { RuntimeEventRecord } from '../api/types.js';

export interface LiveFeed {
  onEvent(listener: (event: RuntimeEventRecord) => void): () => void;
  onStatus(listener: (connected: boolean) => void): () => void;
  close(): void;
}

/**
 * Follows `GET /v1/stream` (server-sent events, read with fetch so the bearer token goes along), resuming
 * after the last sequence number seen and reconnecting with back-off (1 s doubling to 30 s) when it drops.
 */
export function startLiveFeed(api: Api, options: { retryMs?: number; maxRetryMs?: number } = {}): LiveFeed {
  const listeners = new Set<(event: RuntimeEventRecord) => void>();
  const statusListeners = new Set<(connected: boolean) => void>();
  const abort = new AbortController();
  const firstRetry = options.retryMs ?? 1000;
  const maxRetry = options.maxRetryMs ?? 30_000;
  let after: number | undefined;
  const setStatus = (connected: boolean) => {
    for (const listener of statusListeners) listener(connected);
  };

  void (async () => {
    let retry = firstRetry;
    while (!abort.signal.aborted) {
      try {
        const response = await api.stream('/v1/stream', { after }, abort.signal);
        if (response.body === null) throw new Error('no body');
        setStatus(true);
        retry = firstRetry;
        for await (const message of serverSentEvents(response.body, abort.signal)) {
          if (message.event !== 'runtime') continue;
          let event: RuntimeEventRecord;
          try {
            event = JSON.parse(message.data) as RuntimeEventRecord;
          } catch {
            continue;
          }
          if (typeof event.seq === 'number') after = event.seq;
          for (const listener of listeners) listener(event);
        }
      } catch {
        // Dropped or refused: try again after a pause.
      }
      if (abort.signal.aborted) break;
      setStatus(false);
      await new Promise((resolve) => setTimeout(resolve, retry));
      retry = Math.min(maxRetry, retry * 2);
    }
  })();

  return {
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    close() {
      abort.abort();
    },
  };
}
