import { matchesAll, type LabelMatcher, type Labels } from '../model/labels.js';
import { formatMatcher, parseMatcher } from './label-matchers.js';
import type { RouteConfig } from './notifier-config.js';
import { parseDuration } from './prom-duration.js';

/** A routing-tree node with inherited settings resolved. */
export interface RouteNode {
  /** Alertmanager's route key (`{}/{severity="page"}`), the first part of a group key. */
  readonly key: string;
  /** Unique id: the key plus the node's position among its siblings. */
  readonly id: string;
  readonly receiver: string;
  readonly matchers: readonly LabelMatcher[];
  /** Label names to group by, or `all` (`...`). */
  readonly groupBy: readonly string[] | 'all';
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
  readonly continue: boolean;
  readonly routes: readonly RouteNode[];
}

const DEFAULTS = { groupWait: '30s', groupInterval: '5m', repeatInterval: '4h' };

/** Builds the routing tree, children inheriting receiver, grouping and timers they do not set. */
export function buildRouteTree(config: RouteConfig, parent?: RouteNode, index = 0): RouteNode {
  const matchers = (config.matchers ?? []).map(parseMatcher);
  const matcherText = `{${matchers.map(formatMatcher).join(',')}}`;
  const key = parent === undefined ? matcherText : `${parent.key}/${matcherText}`;
  const receiver = config.receiver ?? parent?.receiver;
  if (receiver === undefined) throw new Error('the root route needs a receiver');
  const groupBy = config.groupBy ?? (parent?.groupBy === 'all' ? ['...'] : parent?.groupBy) ?? [];
  const node: RouteNode = {
    key,
    id: parent === undefined ? key : `${parent.id}/${index}:${matcherText}`,
    receiver,
    matchers,
    groupBy: groupBy.includes('...') ? 'all' : [...groupBy],
    groupWaitMs:
      config.groupWait !== undefined
        ? parseDuration(config.groupWait)
        : (parent?.groupWaitMs ?? parseDuration(DEFAULTS.groupWait)),
    groupIntervalMs:
      config.groupInterval !== undefined
        ? parseDuration(config.groupInterval)
        : (parent?.groupIntervalMs ?? parseDuration(DEFAULTS.groupInterval)),
    repeatIntervalMs:
      config.repeatInterval !== undefined
        ? parseDuration(config.repeatInterval)
        : (parent?.repeatIntervalMs ?? parseDuration(DEFAULTS.repeatInterval)),
    continue: config.continue ?? false,
    routes: [],
  };
  return { ...node, routes: (config.routes ?? []).map((child, i) => buildRouteTree(child, node, i)) };
}

/**
 * The routes an alert goes to, as Alertmanager matches: depth first, the first matching child wins unless
 * it has `continue`; a node none of whose children match takes the alert itself.
 */
export function matchRoutes(node: RouteNode, labels: Labels): RouteNode[] {
  if (!matchesAll(node.matchers, labels)) return [];
  const all: RouteNode[] = [];
  for (const child of node.routes) {
    const matched = matchRoutes(child, labels);
    all.push(...matched);
    if (matched.length > 0 && !child.continue) break;
  }
  return all.length > 0 ? all : [node];
}

/** The labels an alert is grouped by on `route`. */
export function groupLabelsOf(route: RouteNode, labels: Labels): Labels {
  if (route.groupBy === 'all') return { ...labels };
  const out: Record<string, string> = {};
  for (const name of route.groupBy) {
    const value = labels[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

/** A label set as Prometheus's Go model prints it: `{a="1", b="2"}`, names sorted. */
export function labelSetString(labels: Labels): string {
  return `{${Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`)
    .join(', ')}}`;
}

/** Alertmanager's group key: `<route key>:<group labels>`. */
export function groupKeyOf(route: RouteNode, groupLabels: Labels): string {
  return `${route.key}:${labelSetString(groupLabels)}`;
}
