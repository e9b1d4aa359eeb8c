import { request } from 'undici';

/** Runs one HTTP GET probe: success is a 2xx or 3xx answer within the timeout, as in Kubernetes. */
export async function httpProbe(url: string, timeoutMs: number): Promise<boolean> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await request(url, {
      method: 'GET',
      headers: { 'user-agent': 'opsloop-probe/1', accept: 'application/json' },
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      reset: true,
    });
    await response.body.dump();
    return response.statusCode >= 200 && response.statusCode < 400;
  } catch {
    return false;
  }
}
