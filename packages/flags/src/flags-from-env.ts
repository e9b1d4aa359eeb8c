import { OpsloopFlagProvider, type OpsloopFlagProviderOptions } from './opsloop-provider.js';
import { FlagsArgumentError } from './flag-errors.js';

/** Variable holding the runtime's flags endpoint; the runtime injects it into every service it runs. */
export const FLAGS_URL_ENV = 'OPSLOOP_FLAGS_URL';
/** Variable holding the bearer token for the flags endpoint. */
export const FLAGS_TOKEN_ENV = 'OPSLOOP_FLAGS_TOKEN';

/**
 * The provider for a service run by opsloop: built from `OPSLOOP_FLAGS_URL` (and `OPSLOOP_FLAGS_TOKEN`),
 * or undefined when the URL is unset or empty (no runtime: use `createStaticFlagProvider` or no provider).
 * @throws FlagsArgumentError naming the variable when the URL is not an http(s) URL.
 */
export function flagsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: Omit<OpsloopFlagProviderOptions, 'url' | 'token'> = {},
): OpsloopFlagProvider | undefined {
  const url = env[FLAGS_URL_ENV]?.trim();
  if (url === undefined || url === '') return undefined;
  const token = env[FLAGS_TOKEN_ENV]?.trim();
  try {
    return new OpsloopFlagProvider({ ...options, url, ...(token ? { token } : {}) });
  } catch (error) {
    if (error instanceof FlagsArgumentError && error.field === 'url') {
      throw new FlagsArgumentError(FLAGS_URL_ENV, `expected an http(s) URL, got ${JSON.stringify(url)}`);
    }
    throw error;
  }
}
