/** One `PUBLIC_ROUTES` entry: requests it matches need no token. */
export interface AccessRule {
  /** Upper-case methods, or undefined for any method. A GET rule also covers HEAD. */
  methods: ReadonlySet<string> | undefined;
  path: string;
  /** `/api/products*`: the path and everything below it (whole segments); otherwise the exact path. */
  prefix: boolean;
}

/** Public routes unless configured otherwise: browsing, signing up and in, the docs and the storefront. */
export const DEFAULT_PUBLIC_ROUTES =
  'GET /api/products*; POST /api/users; POST /api/users/login; GET /api/docs*; GET /api/storefront';

const METHOD = /^[A-Z]+$/;
const PATH = /^\/[A-Za-z0-9._~\-/]*$/;

/**
 * Parses `PUBLIC_ROUTES`: `METHOD[,METHOD] /path[*]` entries separated by `;` or newlines (`*` as the
 * method: any). Every route not listed is protected (deny by default). Throws a one-line error.
 */
export function parseAccessRules(spec: string): AccessRule[] {
  const rules: AccessRule[] = [];
  for (const entry of spec
    .split(/[;\n]/)
    .map((s) => s.trim())
    .filter(Boolean)) {
    const parts = entry.split(/\s+/);
    const [methodList, rawPath] = parts;
    if (parts.length !== 2 || methodList === undefined || rawPath === undefined) {
      throw new Error(`expected "METHOD /path" or "METHOD /path*" entries (got "${entry}")`);
    }
    const prefix = rawPath.endsWith('*');
    const path = prefix ? rawPath.slice(0, -1) : rawPath;
    if (!PATH.test(path) || (path.length > 1 && path.endsWith('/')) || path.includes('//')) {
      throw new Error(`"${rawPath}" is not a path like /api/users or /api/products*`);
    }
    let methods: Set<string> | undefined;
    if (methodList !== '*') {
      methods = new Set(methodList.split(',').map((m) => m.trim().toUpperCase()));
      for (const method of methods) {
        if (!METHOD.test(method)) throw new Error(`"${method}" is not an HTTP method`);
      }
      if (methods.has('GET')) methods.add('HEAD');
    }
    rules.push({ methods, path, prefix });
  }
  return rules;
}

/** True when `method path` (path without query) is public under `rules`. */
export function isPublic(rules: readonly AccessRule[], method: string, path: string): boolean {
  const normalized = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  for (const rule of rules) {
    if (rule.methods !== undefined && !rule.methods.has(method)) continue;
    if (normalized === rule.path) return true;
    if (rule.prefix && normalized.startsWith(rule.path) && normalized[rule.path.length] === '/') return true;
  }
  return false;
}
