import { isIP } from 'node:net';

/** Raised when a run is asked to load a host that is not this machine without `allowRemote`. */
export class RemoteTargetError extends Error {
  override readonly name = 'RemoteTargetError';
}

/**
 * Whether `baseUrl` names this machine: `localhost` (and `*.localhost`, RFC 6761), 127.0.0.0/8, `::1`, or
 * an IPv4-mapped loopback (`::ffff:127.0.0.1`). Anything else, a name that might resolve here included, is
 * remote: the guard looks at what was written, never at DNS.
 */
export function isLoopbackUrl(baseUrl: string | URL): boolean {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return false;
  }
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) {
    if (host === '::1') return true;
    // WHATWG URL writes ::ffff:127.0.0.1 as ::ffff:7f00:1.
    const mapped = /^::ffff:(?:(127\.\d+\.\d+\.\d+)|7f([0-9a-f]{2}):[0-9a-f]{1,4})$/.exec(host);
    return mapped !== null;
  }
  return false;
}

/** Throws {@link RemoteTargetError} unless `baseUrl` is loopback or `allowRemote` is set. */
export function assertTargetAllowed(baseUrl: string, allowRemote: boolean): void {
  if (allowRemote || isLoopbackUrl(baseUrl)) return;
  throw new RemoteTargetError(
    `refusing to load ${new URL(baseUrl).host}: not a loopback address (pass allowRemote / --allow-remote to load another machine)`,
  );
}
