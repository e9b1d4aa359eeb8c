/**
 * Works out, for every selector of a query, the time range whose samples evaluation can touch (lookback,
 * ranges, offsets, `@`, subquery windows, the query's own span), then fetches each with one `select()`.
 */
import type { SeriesQuerier } from '../model/series-store.js';
import type { AtModifier, Expr, VectorSelector } from './ast.js';
import { PromqlExecutionError } from './errors.js';
import { prepareSeries, type SeriesData } from './selectors.js';

/** Query-wide inputs of the range computation. */
export interface PrefetchContext {
  readonly startMs: number;
  readonly endMs: number;
  readonly lookbackMs: number;
}

/** [minT, maxT] of every selector node, given that `expr` is evaluated at times within [from, to]. */
export function selectorRanges(expr: Expr, ctx: PrefetchContext): Map<VectorSelector, [number, number]> {
  const ranges = new Map<VectorSelector, [number, number]>();
  const atTime = (at: AtModifier): number =>
    at.kind === 'timestamp' ? at.timestampMs : at.kind === 'start' ? ctx.startMs : ctx.endMs;
  const add = (sel: VectorSelector, minT: number, maxT: number): void => {
    const previous = ranges.get(sel);
    ranges.set(
      sel,
      previous === undefined ? [minT, maxT] : [Math.min(previous[0], minT), Math.max(previous[1], maxT)],
    );
  };
  const walk = (e: Expr, from: number, to: number): void => {
    switch (e.type) {
      case 'vectorSelector': {
        const [a, b] = e.at === undefined ? [from, to] : [atTime(e.at), atTime(e.at)];
        add(e, a - e.offsetMs - ctx.lookbackMs, b - e.offsetMs);
        return;
      }
      case 'matrixSelector': {
        const sel = e.selector;
        const [a, b] = sel.at === undefined ? [from, to] : [atTime(sel.at), atTime(sel.at)];
        add(sel, a - sel.offsetMs - e.rangeMs, b - sel.offsetMs);
        return;
      }
      case 'subquery': {
        const [a, b] = e.at === undefined ? [from, to] : [atTime(e.at), atTime(e.at)];
        walk(e.expr, a - e.offsetMs - e.rangeMs, b - e.offsetMs);
        return;
      }
      case 'call':
        for (const arg of e.args) walk(arg, from, to);
        return;
      case 'aggregation':
        walk(e.expr, from, to);
        if (e.param !== undefined) walk(e.param, from, to);
        return;
      case 'binary':
        walk(e.lhs, from, to);
        walk(e.rhs, from, to);
        return;
      case 'unary':
      case 'paren':
        walk(e.expr, from, to);
        return;
      default:
        return;
    }
  };
  walk(expr, ctx.startMs, ctx.endMs);
  return ranges;
}

/** Fetches every selector's series (concurrently); storage failures become `internal` errors. */
export async function fetchSelectors(
  querier: SeriesQuerier,
  ranges: ReadonlyMap<VectorSelector, readonly [number, number]>,
): Promise<Map<VectorSelector, SeriesData[]>> {
  const entries = [...ranges.entries()];
  const fetched = await Promise.all(
    entries.map(async ([sel, [minT, maxT]]) => {
      try {
        return prepareSeries(await querier.select(sel.matchers, minT, maxT));
      } catch (error) {
        throw new PromqlExecutionError(`expanding series: ${(error as Error).message}`, 'internal');
      }
    }),
  );
  return new Map(entries.map(([sel], i) => [sel, fetched[i]!]));
}
