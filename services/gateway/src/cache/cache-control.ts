/** The `Cache-Control` directives the gateway's cache acts on. */
export interface CacheDirectives {
  maxAge: number | undefined;
  sMaxAge: number | undefined;
  noStore: boolean;
  noCache: boolean;
  private: boolean;
}

/** Parses a `Cache-Control` value (RFC 9111 §5.2); unknown directives are ignored, bad numbers too. */
export function parseCacheControl(value: string | string[] | undefined): CacheDirectives {
  const directives: CacheDirectives = {
    maxAge: undefined,
    sMaxAge: undefined,
    noStore: false,
    noCache: false,
    private: false,
  };
  if (value === undefined) return directives;
  const text = Array.isArray(value) ? value.join(',') : value;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    const argument =
      eq === -1
        ? undefined
        : part
            .slice(eq + 1)
            .trim()
            .replace(/^"|"$/g, '');
    const seconds = argument !== undefined && /^\d{1,10}$/.test(argument) ? Number(argument) : undefined;
    switch (name) {
      case 'max-age':
        directives.maxAge = seconds;
        break;
      case 's-maxage':
        directives.sMaxAge = seconds;
        break;
      case 'no-store':
        directives.noStore = true;
        break;
      case 'no-cache':
        directives.noCache = true;
        break;
      case 'private':
        directives.private = true;
        break;
      default:
        break;
    }
  }
  return directives;
}

/**
 * Seconds a shared cache may serve a response without revalidating, or undefined when it must not store it
 * at all: `no-store`, `private` or `no-cache` (this cache never serves without asking, so it keeps none of
 * those), or no explicit lifetime (no heuristic freshness).
 */
export function sharedMaxAge(directives: CacheDirectives): number | undefined {
  if (directives.noStore || directives.private || directives.noCache) return undefined;
  const lifetime = directives.sMaxAge ?? directives.maxAge;
  return lifetime !== undefined && lifetime > 0 ? lifetime : undefined;
}

/** True when an `If-None-Match` value names `etag` (weak comparison, RFC 9110 §13.1.2) or is `*`. */
export function ifNoneMatchMatches(header: string | string[] | undefined, etag: string | undefined): boolean {
  if (header === undefined || etag === undefined) return false;
  const opaque = etag.startsWith('W/') ? etag.slice(2) : etag;
  const text = Array.isArray(header) ? header.join(',') : header;
  for (const raw of text.split(',')) {
    const tag = raw.trim();
    if (tag === '*' || (tag.startsWith('W/') ? tag.slice(2) : tag) === opaque) return true;
  }
  return false;
}
