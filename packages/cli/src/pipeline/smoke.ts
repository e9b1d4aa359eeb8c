import { request } from 'undici';
import type { SystemStatus } from '@opsloop/contracts';
import type { SmokeCheck } from '@opsloop/runtime';

/** Exposed address of every exposed service of a running system. */
export function exposedUrls(status: SystemStatus): Map<string, string> {
  return new Map(
    status.services.filter((s) => s.exposed !== null).map((s) => [s.name, s.exposed!.replace(/\/$/, '')]),
  );
}

/** One request of a smoke check: the status it got, or why it got none. */
export async function probe(
  url: string,
  method: SmokeCheck['method'],
  timeoutMs: number,
): Promise<{ status: number } | { error: string }> {
  try {
    // A connection per request, as many users make: an exposed service balances connections, so requests
    // kept on one connection would all reach one replica (and a canary would see none of them).
    const response = await request(url, {
      method,
      reset: true,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    await response.body.dump();
    return { status: response.statusCode };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** Runs every smoke check once; the ones that failed, each said in a phrase. */
export async function runSmokeChecks(
  checks: readonly SmokeCheck[],
  urls: ReadonlyMap<string, string>,
  timeoutMs = 5_000,
): Promise<string[]> {
  const failures: string[] = [];
  for (const check of checks) {
    const base = urls.get(check.service);
    const what = `${check.method} ${check.service}${check.path}`;
    if (base === undefined) {
      failures.push(`${what}: ${check.service} has no exposed address`);
      continue;
    }
    const answer = await probe(`${base}${check.path}`, check.method, timeoutMs);
    if ('error' in answer) failures.push(`${what}: ${answer.error}`);
    else if (answer.status !== check.status)
      failures.push(`${what}: ${answer.status} (expected ${check.status})`);
  }
  return failures;
}
