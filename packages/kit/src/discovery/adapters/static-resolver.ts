import type { Endpoint } from '@opsloop/contracts';
import type { Resolver } from '../resolver.js';

/**
 * Parses `name=url,url;name=url` (the `OPSLOOP_ENDPOINTS` variable) into endpoints per service, for running a
 * service outside the runtime. Throws with a clear message on a malformed entry.
 */
export function parseStaticEndpoints(spec: string): Map<string, Endpoint[]> {
  const services = new Map<string, Endpoint[]>();
  for (const entry of spec
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, eq).trim();
    if (eq <= 0 || name === '')
      throw new Error(`OPSLOOP_ENDPOINTS: expected name=url[,url] (got "${entry}")`);
    const urls = entry
      .slice(eq + 1)
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean);
    services.set(
      name,
      urls.map((url, i) => {
        if (!URL.canParse(url)) throw new Error(`OPSLOOP_ENDPOINTS: ${name}: "${url}" is not a URL`);
        return { instance: `${name}-static-${i + 1}`, url: url.replace(/\/$/, ''), version: 'unknown' };
      }),
    );
  }
  return services;
}

/** A resolver over a fixed endpoint map. */
export function createStaticResolver(endpoints: ReadonlyMap<string, readonly Endpoint[]>): Resolver {
  return {
    watch() {},
    endpoints: (service) => endpoints.get(service) ?? [],
    synced: () => true,
    close: () => Promise.resolve(),
  };
}
