import { describe, expect, it } from 'vitest';
import { crossings, layoutMap, type MapLayout, type PlacedNode } from './map-layout.js';

const SHOP = {
  nodes: ['gateway', 'cart', 'catalog', 'orders', 'payments', 'postgres', 'redis', 'inventory'],
  edges: [
    { from: 'gateway', to: 'cart' },
    { from: 'gateway', to: 'catalog' },
    { from: 'gateway', to: 'orders' },
    { from: 'orders', to: 'payments' },
    { from: 'orders', to: 'inventory' },
    { from: 'orders', to: 'postgres' },
    { from: 'cart', to: 'redis' },
    { from: 'inventory', to: 'postgres' },
    { from: 'catalog', to: 'postgres' },
  ],
};

const byId = (layout: MapLayout) => new Map(layout.nodes.map((n) => [n.id, n]));

function overlap(a: PlacedNode, b: PlacedNode): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('layoutMap', () => {
  it('gives the same picture whatever order the services and calls come in', () => {
    const first = layoutMap(SHOP.nodes, SHOP.edges, { roots: ['gateway'] });
    for (const seed of [1, 7, 42]) {
      const again = layoutMap(shuffled(SHOP.nodes, seed), shuffled(SHOP.edges, seed + 1), {
        roots: ['gateway'],
      });
      expect(again).toEqual(first);
    }
  });

  it('puts every caller in a layer left of the services it calls, the gateway first', () => {
    const layout = layoutMap(SHOP.nodes, SHOP.edges, { roots: ['gateway'] });
    const nodes = byId(layout);
    expect(nodes.get('gateway')!.layer).toBe(0);
    for (const edge of SHOP.edges) {
      const from = nodes.get(edge.from)!;
      const to = nodes.get(edge.to)!;
      expect(from.layer, `${edge.from} → ${edge.to}`).toBeLessThan(to.layer);
      expect(from.x + from.width).toBeLessThan(to.x);
    }
    // Longest path: postgres is called from layer 2 (inventory), so it sits in layer 3.
    expect(nodes.get('postgres')!.layer).toBe(3);
    expect(layout.edges.every((e) => !e.reversed)).toBe(true);
  });

  it('never overlaps two nodes, and keeps them inside the picture', () => {
    const many = Array.from({ length: 20 }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
    const edges = many.slice(1).map((id, i) => ({ from: many[Math.floor(i / 3)]!, to: id }));
    const layout = layoutMap(many, edges);
    for (let i = 0; i < layout.nodes.length; i++) {
      const a = layout.nodes[i]!;
      expect(a.x).toBeGreaterThanOrEqual(0);
      expect(a.y).toBeGreaterThanOrEqual(0);
      expect(a.x + a.width).toBeLessThanOrEqual(layout.width);
      expect(a.y + a.height).toBeLessThanOrEqual(layout.height);
      for (const b of layout.nodes.slice(i + 1)) expect(overlap(a, b), `${a.id} / ${b.id}`).toBe(false);
    }
  });

  it('tolerates cycles: every node placed, the call closing the cycle drawn backwards', () => {
    const layout = layoutMap(
      ['gateway', 'a', 'b', 'c'],
      [
        { from: 'gateway', to: 'a' },
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'c', to: 'a' },
        { from: 'c', to: 'gateway' },
      ],
      { roots: ['gateway'] },
    );
    const nodes = byId(layout);
    expect([...nodes.keys()].sort()).toEqual(['a', 'b', 'c', 'gateway']);
    expect(['gateway', 'a', 'b', 'c'].map((id) => nodes.get(id)!.layer)).toEqual([0, 1, 2, 3]);
    const reversed = layout.edges.filter((e) => e.reversed).map((e) => `${e.from}>${e.to}`);
    expect(reversed.sort()).toEqual(['c>a', 'c>gateway']);
    for (const edge of layout.edges.filter((e) => e.reversed))
      expect(edge.labelY).toBeLessThanOrEqual(layout.height);
  });

  it('routes a call spanning layers around the services in between, not through them', () => {
    const layout = layoutMap(
      ['a', 'b', 'c', 'd'],
      [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'c', to: 'd' },
        { from: 'a', to: 'd' },
      ],
    );
    const nodes = byId(layout);
    const long = layout.edges.find((e) => e.from === 'a' && e.to === 'd')!;
    // Straight runs (L) through the two layers between: one per layer, beside b and c.
    const runs = [...long.path.matchAll(/L ([\d.]+) ([\d.]+)/g)].map((m) => Number(m[2]));
    expect(runs).toHaveLength(2);
    for (const [y, id] of [
      [runs[0]!, 'b'],
      [runs[1]!, 'c'],
    ] as const) {
      const node = nodes.get(id)!;
      expect(y < node.y || y > node.y + node.height, `passes through ${id}`).toBe(true);
    }
    expect(long.path.startsWith(`M ${nodes.get('a')!.x + nodes.get('a')!.width} `)).toBe(true);
    expect(long.path.endsWith(`${nodes.get('d')!.x} ${nodes.get('d')!.y + nodes.get('d')!.height / 2}`)).toBe(
      true,
    );
  });

  it('ignores self-calls, duplicate calls and calls to unknown services', () => {
    const layout = layoutMap(
      ['a', 'b'],
      [
        { from: 'a', to: 'a' },
        { from: 'a', to: 'b' },
        { from: 'a', to: 'b' },
        { from: 'a', to: 'ghost' },
      ],
    );
    expect(layout.edges.map((e) => `${e.from}>${e.to}`)).toEqual(['a>b']);
  });

  it('orders rows by barycentre to remove crossings that name order would make', () => {
    // In name order a1 sits above a2, but a1's callee z sits below a2's callee y: one crossing.
    const edges = [
      { from: 'root', to: 'a1' },
      { from: 'root', to: 'a2' },
      { from: 'a1', to: 'z' },
      { from: 'a2', to: 'y' },
    ];
    const ids = ['root', 'a1', 'a2', 'y', 'z'];
    const layerOf = new Map([
      ['root', 0],
      ['a1', 1],
      ['a2', 1],
      ['y', 2],
      ['z', 2],
    ]);
    expect(crossings([['root'], ['a1', 'a2'], ['y', 'z']], edges, layerOf)).toBe(1);
    const rowsOf = (layout: MapLayout) =>
      [0, 1, 2].map((layer) =>
        layout.nodes
          .filter((n) => n.layer === layer)
          .sort((a, b) => a.order - b.order)
          .map((n) => n.id),
      );
    expect(crossings(rowsOf(layoutMap(ids, edges, { passes: 0 })), edges, layerOf)).toBe(1);
    expect(crossings(rowsOf(layoutMap(ids, edges)), edges, layerOf)).toBe(0);
  });

  it('lays out an empty graph and a lone service', () => {
    expect(layoutMap([], []).nodes).toEqual([]);
    const one = layoutMap(['solo'], []);
    expect(one.nodes[0]).toMatchObject({ id: 'solo', layer: 0, order: 0 });
    expect(one.width).toBeGreaterThan(one.nodes[0]!.width);
  });
});
