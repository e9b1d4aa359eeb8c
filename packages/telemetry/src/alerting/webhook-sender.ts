import type { Clock } from '@opsloop/kit';

/** The slice of `fetch` the notifier uses; injectable so tests (and proxies) control every request. */
export type WebhookFetch = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ readonly status: number }>;

/** Options of {@link deliverWebhook}. */
export interface WebhookDeliveryOptions {
  clock: Clock;
  fetch: WebhookFetch;
  /** Deadline of one attempt. */
  attemptTimeoutMs: number;
  /** No attempt starts after this instant (clock time); the whole delivery is bounded by it. */
  deadlineMs: number;
  /** First retry delay, doubled each time up to `maxBackoffMs`; 1 s. */
  initialBackoffMs?: number;
  /** 30 s. */
  maxBackoffMs?: number;
}

/** How a delivery went. */
export interface WebhookDeliveryResult {
  readonly ok: boolean;
  readonly attempts: number;
  /** HTTP status of the last attempt that got a response. */
  readonly status?: number;
  /** Why the last attempt failed. */
  readonly error?: string;
}

const sleep = (clock: Clock, ms: number) => new Promise<void>((resolve) => clock.after(ms, resolve));

/** Statuses worth retrying: the receiver may recover (5xx) or asks us to slow down (429). */
function retryable(status: number): boolean {
  return status >= 500 || status === 429;
}

async function attempt(
  url: string,
  body: string,
  options: WebhookDeliveryOptions,
): Promise<{ status?: number; error?: string }> {
  const controller = new AbortController();
  let timer: { cancel(): void } | undefined;
  // Raced rather than trusted to the signal: a fetch that ignores abort still cannot hold us past the deadline.
  const timeout = new Promise<{ error: string }>((resolve) => {
    timer = options.clock.after(options.attemptTimeoutMs, () => {
      controller.abort();
      resolve({ error: `timed out after ${options.attemptTimeoutMs} ms` });
    });
  });
  const request = options
    .fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'opsloop-alert-notifier' },
      body,
      signal: controller.signal,
    })
    .then(
      (response) => ({ status: response.status }),
      (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
    );
  try {
    return await Promise.race([request, timeout]);
  } finally {
    timer?.cancel();
  }
}

/**
 * POSTs `body` (JSON) to `url` until a 2xx, a non-retryable status (4xx other than 429) or the deadline:
 * each attempt bounded by `attemptTimeoutMs`, retries after exponential backoff. Never throws.
 */
export async function deliverWebhook(
  url: string,
  body: string,
  options: WebhookDeliveryOptions,
): Promise<WebhookDeliveryResult> {
  const { clock } = options;
  let backoff = options.initialBackoffMs ?? 1_000;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  let attempts = 0;
  let last: { status?: number; error?: string } = {};
  for (;;) {
    attempts++;
    last = await attempt(url, body, options);
    if (last.status !== undefined && last.status >= 200 && last.status < 300)
      return { ok: true, attempts, status: last.status };
    if (last.status !== undefined && !retryable(last.status)) {
      return {
        ok: false,
        attempts,
        status: last.status,
        error: `unexpected status ${last.status} (not retried)`,
      };
    }
    if (clock.now() + backoff >= options.deadlineMs) break;
    await sleep(clock, backoff);
    backoff = Math.min(backoff * 2, maxBackoff);
  }
  return {
    ok: false,
    attempts,
    ...(last.status !== undefined
      ? { status: last.status, error: `unexpected status ${last.status}` }
      : { error: last.error ?? 'failed' }),
  };
}
