import { serviceNameSchema } from '@opsloop/contracts';

/** One route of the gateway: requests under `prefix` go to `service`. */
export interface GatewayRoute {
  prefix: string;
  service: string;
}

/**
 * Parses `ROUTES` (`/api/products=catalog;/api/cart=cart`) into routes, longest prefix first, so the most
 * specific route wins. Throws a one-line error on a malformed entry.
 */
export function parseRoutes(spec: string): GatewayRoute[] {
  const routes: GatewayRoute[] = [];
  for (const entry of spec
    .split(/[;\n]/)
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [prefix, service, ...rest] = entry.split('=').map((s) => s.trim());
    if (prefix === undefined || service === undefined || rest.length > 0) {
      throw new Error(`expected /prefix=service entries separated by ";" (got "${entry}")`);
    }
    if (!/^\/[A-Za-z0-9._~\-/]*$/.test(prefix) || prefix.endsWith('/') || prefix.includes('//')) {
      throw new Error(`"${prefix}" is not a path prefix like /api/products`);
    }
    if (!serviceNameSchema.safeParse(service).success) throw new Error(`"${service}" is not a service name`);
    if (routes.some((r) => r.prefix === prefix)) throw new Error(`prefix ${prefix} is routed twice`);
    routes.push({ prefix, service });
  }
  if (routes.length === 0) throw new Error('no routes: expected at least one /prefix=service entry');
  return routes.sort((a, b) => b.prefix.length - a.prefix.length);
}

/** The route whose prefix is `path` itself or a whole-segment prefix of it. */
export function matchRoute(routes: readonly GatewayRoute[], path: string): GatewayRoute | undefined {
  // On every request: no allocation (a `${prefix}/` template per route would be one each time).
  for (const route of routes) {
    const prefix = route.prefix;
    if (path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 47)) {
      return route;
    }
  }
  return undefined;
}
