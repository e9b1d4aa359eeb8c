import { useEffect, useState } from 'react';

/** A page of the dashboard, from the URL fragment (`#/services/cart?range=1h`). */
export type Route =
  | { page: 'overview' }
  | { page: 'service'; service: string }
  | { page: 'incidents' }
  | { page: 'incident'; id: string }
  | { page: 'deployments' }
  | { page: 'flags' }
  | { page: 'chaos' }
  | { page: 'not-found'; path: string };

/** Parses a fragment; unknown paths are `not-found`, never an exception. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').split('?')[0] ?? '';
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map(safeDecode);
  const [first, second] = parts;
  if (parts.length === 0) return { page: 'overview' };
  if (first === 'services' && second !== undefined && parts.length === 2)
    return { page: 'service', service: second };
  if (first === 'incidents' && parts.length === 1) return { page: 'incidents' };
  if (first === 'incidents' && second !== undefined && parts.length === 2)
    return { page: 'incident', id: second };
  if (first === 'deployments' && parts.length === 1) return { page: 'deployments' };
  if (first === 'flags' && parts.length === 1) return { page: 'flags' };
  if (first === 'chaos' && parts.length === 1) return { page: 'chaos' };
  return { page: 'not-found', path };
}

/** The fragment of a route (for links: `<a href={hrefOf(...)}>`). */
export function hrefOf(route: Exclude<Route, { page: 'not-found' }>): string {
  switch (route.page) {
    case 'overview':
      return '#/';
    case 'service':
      return `#/services/${encodeURIComponent(route.service)}`;
    case 'incident':
      return `#/incidents/${encodeURIComponent(route.id)}`;
    default:
      return `#/${route.page}`;
  }
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** The current route, following `hashchange`. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
