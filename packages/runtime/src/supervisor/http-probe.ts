import { request } from 'undici';

/** A probe's answer: passed or not, and for a failure what it said (Kubernetes' probe event message). */
export interface ProbeResult {
  ok: boolean;
  /** Why it failed, in a few words: `HTTP 503: database: connection refused`, `timed out after 1000 ms`. */
  detail?: string;
}

/** The most of a failing probe's body kept in its detail. */
const DETAIL_MAX = 160;

/**
 * Runs one HTTP GET probe: success is a 2xx or 3xx answer within the timeout, as in Kubernetes. A failure
 * says why: the status and, for a kit-style `/readyz` body (`{checks: [{name, ok, error}]}`), the failing
 * checks — what tells a database outage from a hung process.
 */
export async function httpProbe(url: string, timeoutMs: number): Promise<ProbeResult> {
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
    const ok = response.statusCode >= 200 && response.statusCode < 400;
    if (ok) {
      await response.body.dump();
      return { ok };
    }
    const text = await response.body.text().catch(() => '');
    const checks = failingChecks(text);
    return { ok, detail: `HTTP ${response.statusCode}${checks === undefined ? '' : `: ${checks}`}` };
  } catch (error) {
    if (signal.aborted) return { ok: false, detail: `timed out after ${timeoutMs} ms` };
    const code = (error as { code?: unknown }).code;
    return { ok: false, detail: typeof code === 'string' ? code : 'request failed' };
  }
}

/** `database: connection refused; cache` from a `/readyz` body listing checks; undefined for anything else. */
export function failingChecks(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const checks = (parsed as { checks?: unknown } | null)?.checks;
  if (!Array.isArray(checks)) return undefined;
  const failing = checks
    .filter((c): c is { name: string; ok: boolean; error?: unknown } => {
      const check = c as { name?: unknown; ok?: unknown } | null;
      return typeof check?.name === 'string' && check.ok === false;
    })
    .map((c) => (typeof c.error === 'string' ? `${c.name}: ${c.error}` : c.name));
  if (failing.length === 0) return undefined;
  const text = failing.join('; ').replace(/\s+/g, ' ');
  return text.length > DETAIL_MAX ? `${text.slice(0, DETAIL_MAX - 1)}…` : text;
}

/** A probe runner's answer as a {@link ProbeResult} (test runners may answer a plain boolean). */
export function probeResultOf(answer: boolean | ProbeResult): ProbeResult {
  return typeof answer === 'boolean' ? { ok: answer } : answer;
}
