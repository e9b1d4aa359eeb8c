import { ConfigError } from '../config.js';
import type { Logger } from '../logger.js';
import { watchIdentity, type IdentityWatcher, type IdentityWatcherOptions } from './identity-watcher.js';

/**
 * The identity named by `OPSLOOP_TLS_DIR`, watched for rotation; undefined when the variable is unset (the
 * transport stays cleartext). A directory without a usable identity is a {@link ConfigError}: the runtime
 * writes it before starting the replica, so its absence is a deployment mistake, not a transient state.
 */
export function watchIdentityFromConfig(
  config: { OPSLOOP_TLS_DIR?: string | undefined },
  log: Logger,
  options: Omit<IdentityWatcherOptions, 'dir' | 'log'> = {},
): IdentityWatcher | undefined {
  const dir = config.OPSLOOP_TLS_DIR;
  if (dir === undefined) return undefined;
  try {
    return watchIdentity({ dir, log, ...options });
  } catch (error) {
    throw new ConfigError([`OPSLOOP_TLS_DIR: ${error instanceof Error ? error.message : String(error)}`]);
  }
}
