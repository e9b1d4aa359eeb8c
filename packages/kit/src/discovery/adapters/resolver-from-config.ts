import type { BaseConfig } from '../../config.js';
import type { Logger } from '../../logger.js';
import type { Resolver } from '../resolver.js';
import { createRegistryResolver } from './registry-resolver.js';
import { createStaticResolver, parseStaticEndpoints } from './static-resolver.js';

/**
 * Picks the resolver adapter for this process: the runtime's registry when `OPSLOOP_DISCOVERY_URL` is set
 * (the runtime sets it), else a static map from `OPSLOOP_ENDPOINTS`.
 */
export function createResolverFromConfig(
  config: BaseConfig & { OPSLOOP_ENDPOINTS?: string | undefined },
  log?: Logger,
): Resolver {
  if (config.OPSLOOP_DISCOVERY_URL !== undefined) {
    if (config.OPSLOOP_DISCOVERY_TOKEN === undefined) {
      throw new Error('OPSLOOP_DISCOVERY_TOKEN is required with OPSLOOP_DISCOVERY_URL');
    }
    return createRegistryResolver({
      url: config.OPSLOOP_DISCOVERY_URL,
      token: config.OPSLOOP_DISCOVERY_TOKEN,
      ...(config.OPSLOOP_SERVICE === undefined ? {} : { caller: config.OPSLOOP_SERVICE }),
      ...(log ? { log } : {}),
    });
  }
  return createStaticResolver(parseStaticEndpoints(config.OPSLOOP_ENDPOINTS ?? ''));
}
