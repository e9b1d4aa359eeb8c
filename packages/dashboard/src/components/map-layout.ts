/**
 * A small layered (Sugiyama-style) layout for the service map: callers left of the services they call.
 * Deterministic: the same graph, in any input order, gives the same picture (so the map does not jump
 * between refreshes).
 */

export interface LayoutEdgeInput {
  from: string;
  to: string;
}

export interface LayoutOptions {
  /** Services placed first when they start a cycle or several graphs (`gateway`). */
  roots?: readonly string[];
  nodeWidth?: number;
  nodeHeight?: number;
  /** Horizontal space between layers (edge labels go there). */
  layerGap?: number;
  /** Vertical space between nodes of a layer. */
  rowGap?: number;
  padding?: number;
  /** Barycentre sweeps (each one down and one up). */
  passes?: number;
}

export interface PlacedNode {
  id: string;
  /** Column, 0 = callers nobody calls. */
  layer: number;
  /** Row within the layer. */
  order: number;
  /** Top-left corner. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge {
  from: string;
  to: string;
  /** The call goes against the layering (it closes a cycle): its path starts at the callee. */
  reversed: boolean;
  /** SVG path data, left to right (caller to callee, or callee to caller when `reversed`). */
  path: string;
  /** Where its label goes: the middle of its first gap (just below the line for a reversed call). */
  labelX: number;
  labelY: number;
}

export interface MapLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Lays out `nodes` (ids) and the calls between them. Edges to unknown ids and self-calls are ignored. */
export function layoutMap(
  nodes: readonly string[],
  edges: readonly LayoutEdgeInput[],
  options: LayoutOptions = {},
): MapLayout {
  const {
    roots = [],
    nodeWidth = 170,
    nodeHeight = 62,
    layerGap = 80,
    rowGap = 18,
    padding = 12,
    passes = 4,
  } = options;
  const ids = [...new Set(nodes)].sort(compare);
  const known = new Set(ids);
  const edgeKeys = new Set<string>();
  const calls: LayoutEdgeInput[] = [];
  for (const e of edges) {
    const key = JSON.stringify([e.from, e.to]);
    if (!known.has(e.from) || !known.has(e.to) || e.from === e.to || edgeKeys.has(key)) continue;
    edgeKeys.add(key);
    calls.push({ from: e.from, to: e.to });
  }
  calls.sort((a, b) => compare(a.from, b.from) || compare(a.to, b.to));

  const backEdges = findBackEdges(ids, calls, roots);
  // The acyclic graph used for layering: back edges turned around (drawn reversed).
  const dag = calls.map((e) =>
    backEdges.has(JSON.stringify([e.from, e.to])) ? { from: e.to, to: e.from } : e,
  );
  const layerOf = longestPathLayers(ids, dag);

  // A call spanning several layers passes through a waypoint in each layer between: the waypoints take part
  // in the ordering, so long calls go around services instead of through them.
  const waypoints = new Map<number, string[]>();
  const segments: LayoutEdgeInput[] = [];
  const allIds = [...ids];
  dag.forEach((e, k) => {
    const chain: string[] = [];
    let previous = e.from;
    for (let layer = layerOf.get(e.from)! + 1; layer < layerOf.get(e.to)!; layer++) {
      const waypoint = `\u0000${k}:${layer}`;
      layerOf.set(waypoint, layer);
      allIds.push(waypoint);
      chain.push(waypoint);
      segments.push({ from: previous, to: waypoint });
      previous = waypoint;
    }
    segments.push({ from: previous, to: e.to });
    waypoints.set(k, chain);
  });
  const layers = orderLayers(allIds, segments, layerOf, passes);

  const real = new Set(ids);
  const heightOf = (id: string) => (real.has(id) ? nodeHeight : WAYPOINT_HEIGHT);
  const columnHeights = layers.map(
    (layer) => layer.reduce((sum, id) => sum + heightOf(id), 0) + Math.max(0, layer.length - 1) * rowGap,
  );
  const columnHeight = Math.max(nodeHeight, ...columnHeights);
  const placed = new Map<string, PlacedNode>();
  layers.forEach((layer, index) => {
    let y = padding + (columnHeight - columnHeights[index]!) / 2;
    layer.forEach((id, order) => {
      placed.set(id, {
        id,
        layer: index,
        order,
        x: padding + index * (nodeWidth + layerGap),
        y,
        width: nodeWidth,
        height: heightOf(id),
      });
      y += heightOf(id) + rowGap;
    });
  });

  const placedEdges = calls.map((call, k) => {
    const e = dag[k]!;
    const route = [e.from, ...waypoints.get(k)!, e.to].map((id) => placed.get(id)!);
    const reversed = backEdges.has(JSON.stringify([call.from, call.to]));
    // A reversed call runs a little lower, so a pair calling each other shows two lines, not one.
    return { ...edgeGeometry(route, reversed ? REVERSED_OFFSET : 0), from: call.from, to: call.to, reversed };
  });
  const columns = Math.max(1, layers.length);
  return {
    nodes: ids.map((id) => placed.get(id)!),
    edges: placedEdges,
    width: 2 * padding + columns * nodeWidth + (columns - 1) * layerGap,
    height: 2 * padding + columnHeight,
  };
}

/** Height of a long call's waypoint in a layer it crosses. */
const WAYPOINT_HEIGHT = 10;
/** How much lower than forward calls reversed ones run (px). */
const REVERSED_OFFSET = 8;

/**
 * The edges closing a cycle, found by a depth-first search from the roots first (so `gateway → x` stays
 * forward), then from nodes nobody calls, then from the rest, each in name order.
 */
function findBackEdges(ids: readonly string[], calls: readonly LayoutEdgeInput[], roots: readonly string[]) {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  const called = new Set<string>();
  for (const e of calls) {
    out.get(e.from)!.push(e.to);
    called.add(e.to);
  }
  const starts = [...roots.filter((r) => out.has(r)), ...ids.filter((id) => !called.has(id)), ...ids];
  const state = new Map<string, 'active' | 'done'>();
  const back = new Set<string>();
  for (const start of starts) {
    if (state.has(start)) continue;
    // Iterative DFS: a deep chain of services must not overflow the stack.
    const stack: { id: string; next: number }[] = [{ id: start, next: 0 }];
    state.set(start, 'active');
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const children = out.get(frame.id)!;
      if (frame.next >= children.length) {
        state.set(frame.id, 'done');
        stack.pop();
        continue;
      }
      const child = children[frame.next++]!;
      const seen = state.get(child);
      if (seen === 'active') back.add(JSON.stringify([frame.id, child]));
      else if (seen === undefined) {
        state.set(child, 'active');
        stack.push({ id: child, next: 0 });
      }
    }
  }
  return back;
}

/** Each node's layer: 0 for nodes nobody calls, else one more than its furthest caller (Kahn order). */
function longestPathLayers(ids: readonly string[], dag: readonly LayoutEdgeInput[]): Map<string, number> {
  const incoming = new Map<string, number>(ids.map((id) => [id, 0]));
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of dag) {
    incoming.set(e.to, incoming.get(e.to)! + 1);
    out.get(e.from)!.push(e.to);
  }
  const layer = new Map<string, number>(ids.map((id) => [id, 0]));
  const ready = ids.filter((id) => incoming.get(id) === 0);
  while (ready.length > 0) {
    const id = ready.shift()!;
    for (const child of out.get(id)!) {
      layer.set(child, Math.max(layer.get(child)!, layer.get(id)! + 1));
      const left = incoming.get(child)! - 1;
      incoming.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  return layer;
}

/**
 * Rows within each layer: name order first, then a few sweeps placing each node at the barycentre of its
 * neighbours in the layers before (down) or after (up); the ordering with the fewest crossings is kept.
 */
function orderLayers(
  ids: readonly string[],
  dag: readonly LayoutEdgeInput[],
  layerOf: ReadonlyMap<string, number>,
  passes: number,
): string[][] {
  const count = Math.max(0, ...ids.map((id) => layerOf.get(id)!)) + 1;
  let layers: string[][] = Array.from({ length: count }, () => []);
  for (const id of ids) layers[layerOf.get(id)!]!.push(id);
  const callers = new Map<string, string[]>(ids.map((id) => [id, []]));
  const callees = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of dag) {
    callers.get(e.to)!.push(e.from);
    callees.get(e.from)!.push(e.to);
  }

  let best = layers.map((l) => [...l]);
  let bestCrossings = crossings(best, dag, layerOf);
  for (let pass = 0; pass < passes && bestCrossings > 0; pass++) {
    for (let i = 1; i < count; i++) layers = sortByBarycentre(layers, i, callers);
    for (let i = count - 2; i >= 0; i--) layers = sortByBarycentre(layers, i, callees);
    const now = crossings(layers, dag, layerOf);
    if (now < bestCrossings) {
      best = layers.map((l) => [...l]);
      bestCrossings = now;
    }
  }
  return best;
}

function sortByBarycentre(
  layers: string[][],
  index: number,
  neighboursOf: ReadonlyMap<string, string[]>,
): string[][] {
  // Positions normalised to 0..1 so neighbours in layers of different sizes (long edges) compare fairly.
  const position = new Map<string, number>();
  for (const layer of layers) layer.forEach((id, i) => position.set(id, (i + 0.5) / layer.length));
  const layer = layers[index]!;
  const keyed = layer.map((id, i) => {
    const around = neighboursOf.get(id)!.map((n) => position.get(n)!);
    const own = (i + 0.5) / layer.length;
    const centre = around.length === 0 ? own : around.reduce((a, b) => a + b, 0) / around.length;
    return { id, centre, own };
  });
  keyed.sort((a, b) => a.centre - b.centre || a.own - b.own || compare(a.id, b.id));
  const next = [...layers];
  next[index] = keyed.map((k) => k.id);
  return next;
}

/** Crossings between edges, counted on the straight segments between their endpoints' rows. */
export function crossings(
  layers: readonly (readonly string[])[],
  dag: readonly LayoutEdgeInput[],
  layerOf: ReadonlyMap<string, number>,
): number {
  const row = new Map<string, number>();
  for (const layer of layers) layer.forEach((id, i) => row.set(id, (i + 0.5) / layer.length));
  let total = 0;
  for (let i = 0; i < dag.length; i++) {
    for (let j = i + 1; j < dag.length; j++) {
      const a = dag[i]!;
      const b = dag[j]!;
      // Only edges spanning the same pair of layers are compared: enough to steer the sweeps.
      if (layerOf.get(a.from) !== layerOf.get(b.from) || layerOf.get(a.to) !== layerOf.get(b.to)) continue;
      const top = row.get(a.from)! - row.get(b.from)!;
      const bottom = row.get(a.to)! - row.get(b.to)!;
      if (top * bottom < 0) total++;
    }
  }
  return total;
}

/**
 * The path of a call along its route (the dag's direction: caller's right side, through the waypoints, into
 * the callee's left side): curves across the gaps between layers, straight through the waypoints.
 */
function edgeGeometry(
  route: readonly PlacedNode[],
  offset: number,
): Pick<PlacedEdge, 'path' | 'labelX' | 'labelY'> {
  const mid = (n: PlacedNode) => n.y + n.height / 2 + offset;
  const first = route[0]!;
  let x = first.x + first.width;
  let y = mid(first);
  let path = `M ${r(x)} ${r(y)}`;
  let label: [number, number] | undefined;
  for (const next of route.slice(1)) {
    const x2 = next.x;
    const y2 = mid(next);
    const bend = (x2 - x) / 2;
    path += ` C ${r(x + bend)} ${r(y)}, ${r(x2 - bend)} ${r(y2)}, ${r(x2)} ${r(y2)}`;
    // Labels sit above forward calls and below reversed ones (the two lines of a pair calling each other).
    label ??= [r((x + x2) / 2), r((y + y2) / 2 + (offset > 0 ? 14 : 0))];
    x = x2 + next.width;
    y = y2;
    if (next !== route[route.length - 1]) path += ` L ${r(x)} ${r(y)}`;
  }
  return { path, labelX: label![0], labelY: label![1] };
}

const r = (n: number) => Math.round(n * 10) / 10;
