import { endpointListSchema, type Endpoint } from '@opsloop/contracts';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { request } from 'undici';
import type { Logger } from '../../logger.js';
import type { Resolver } from '../resolver.js';

/** Options of {@link createRegistryResolver}. */
export interface RegistryResolverOptions {
  /** Base URL of the runtime's control API. */
  url: string;
  /** A token with the `discovery` role. */
  token: string;
  /**
   * The service this process belongs to: sent as `caller`, so a circuit the runtime opened from this
   * service to an upstream is seen here as an upstream without endpoints (calls fail fast, fallbacks answer).
   */
  caller?: string;
  log?: Logger;
  /** How long one watch request waits for a change before returning (server side). */
  watchTimeoutSeconds?: number;
  /** Longest pause between attempts after an error. */
  maxRetryDelayMs?: number;
}

interface Watched {
  resourceVersion: number;
  endpoints: readonly Endpoint[];
  synced: boolean;
}

/**
 * Resolves services from the runtime's registry with long-poll watches (`?watch=<resourceVersion>`), the
 * way Kubernetes clients watch EndpointSlices: a change reaches the client as soon as the registry has it.
 * While the registry is unreachable the last known endpoints stay in use.
 */
export function createRegistryResolver(options: RegistryResolverOptions): Resolver {
  const base = options.url.replace(/\/$/, '');
  const watchTimeout = options.watchTimeoutSeconds ?? 30;
  const maxDelay = options.maxRetryDelayMs ?? 5_000;
  const services = new Map<string, Watched>();
  const abort = new AbortController();
  const loops: Promise<void>[] = [];

  const poll = async (service: string, state: Watched): Promise<void> => {
    let delay = 100;
    while (!abort.signal.aborted) {
      try {
        const query = new URLSearchParams(
          state.synced ? { watch: String(state.resourceVersion), timeoutSeconds: String(watchTimeout) } : {},
        );
        if (options.caller !== undefined) query.set('caller', options.caller);
        const search = query.size > 0 ? `?${query.toString()}` : '';
        const response = await request(`${base}/v1/endpoints/${encodeURIComponent(service)}${search}`, {
          headers: { authorization: `Bearer ${options.token}` },
          signal: abort.signal,
          headersTimeout: (watchTimeout + 10) * 1000,
          bodyTimeout: (watchTimeout + 10) * 1000,
        });
        if (response.statusCode !== 200) {
          await response.body.dump();
          throw new Error(`registry answered ${response.statusCode}`);
        }
        const list = endpointListSchema.parse(await response.body.json());
        if (!state.synced || list.resourceVersion !== state.resourceVersion) {
          options.log?.debug({ upstream: service, endpoints: list.endpoints.length }, 'endpoints changed');
        }
        state.resourceVersion = list.resourceVersion;
        state.endpoints = list.endpoints;
        state.synced = true;
        delay = 100;
      } catch (error) {
        if (abort.signal.aborted) return;
        options.log?.warn(
          { upstream: service, err: error instanceof Error ? error.message : String(error) },
          'registry watch failed; keeping last known endpoints',
        );
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
        delay = Math.min(delay * 2, maxDelay);
      }
    }
  };

  return {
    watch(service) {
      if (services.has(service)) return;
      const state: Watched = { resourceVersion: 0, endpoints: [], synced: false };
      services.set(service, state);
      // Background work, not traced: a first watch() made while serving a request must not keep that
      // request's trace context alive in the loop for the life of the process.
      loops.push(context.with(ROOT_CONTEXT, () => poll(service, state)));
    },
    endpoints: (service) => services.get(service)?.endpoints ?? [],
    synced: () => [...services.values()].every((s) => s.synced),
    async close() {
      abort.abort();
      await Promise.allSettled(loops);
    },
  };
}
