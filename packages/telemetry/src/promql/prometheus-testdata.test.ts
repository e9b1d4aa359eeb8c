/**
 * Runs scripts in Prometheus's own PromQL test format (promql/testdata/*.test of prometheus/prometheus,
 * Apache-2.0; copies in ./testdata with their origin noted): `load <interval>` blocks of series in the
 * expanding notation (`0+10x10`, `_`, `stale`), `clear`, and `eval[_fail|_ordered] instant at <t> <expr>`
 * followed by the expected samples. Values compare with the format's own relative tolerance (1e-6).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { labelsKey, type Labels } from '../model/labels.js';
import { STALE_NAN } from '../model/stale-nan.js';
import { createPromqlEngine } from './engine.js';
import { PromqlError } from './errors.js';
import { parseDurationMs } from './literals.js';
import { MemoryQuerier, type MemorySeriesInput } from './memory-querier.js';

const FILES = ['staleness', 'selectors', 'functions', 'operators', 'aggregators', 'subquery', 'at-modifier'];

interface Expected {
  readonly labels: Labels | undefined;
  readonly value: number;
}

interface EvalCase {
  readonly line: number;
  readonly kind: 'eval' | 'eval_fail' | 'eval_ordered';
  readonly atMs: number;
  readonly expr: string;
  readonly expected: Expected[];
  readonly series: MemorySeriesInput[];
}

function parseNumber(text: string): number {
  if (/^[+-]?inf$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(text)) return NaN;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`bad number ${text}`);
  return value;
}

/** `name{a="b", …}` → labels (with `__name__` when named). */
function parseLabels(text: string): Labels {
  const m = /^([a-zA-Z_:][\w:]*)?(?:\{(.*)\})?$/.exec(text.trim());
  if (m === null) throw new Error(`bad series ${text}`);
  const labels: Record<string, string> = {};
  if (m[1] !== undefined) labels['__name__'] = m[1];
  for (const pair of (m[2] ?? '').matchAll(
    /([a-zA-Z_]\w*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')/g,
  )) {
    labels[pair[1]!] = JSON.parse(`"${pair[2] ?? pair[3]}"`) as string;
  }
  return labels;
}

/** The expanding notation of series values: `a`, `a+bxn`, `a-bxn`, `axn`, `_`, `_xn`, `stale`. */
function expandValues(tokens: string[]): (number | undefined)[] {
  const out: (number | undefined)[] = [];
  for (const token of tokens) {
    const blank = /^_(?:x(\d+))?$/.exec(token);
    if (blank) {
      for (let i = 0; i < Number(blank[1] ?? 1); i++) out.push(undefined);
      continue;
    }
    if (token === 'stale') {
      out.push(STALE_NAN);
      continue;
    }
    const seq = /^([+-]?[^+\-x]+?(?:e[+-]?\d+)?)(?:([+-])([^x]+))?x(\d+)$/i.exec(token);
    if (seq) {
      const start = parseNumber(seq[1]!);
      const delta = seq[3] === undefined ? 0 : parseNumber(seq[3]) * (seq[2] === '-' ? -1 : 1);
      for (let i = 0; i <= Number(seq[4]); i++) out.push(start + delta * i);
      continue;
    }
    out.push(parseNumber(token));
  }
  return out;
}

function parseScript(text: string): EvalCase[] {
  const lines = text.split('\n');
  const cases: EvalCase[] = [];
  let defs = new Map<string, MemorySeriesInput>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line === 'clear') {
      defs = new Map();
      continue;
    }
    const load = /^load\s+(\S+)$/.exec(line);
    if (load) {
      const interval = parseDurationMs(load[1]!);
      for (
        ;
        i + 1 < lines.length && /^\s+\S/.test(lines[i + 1]!) && !lines[i + 1]!.trim().startsWith('#');
        i++
      ) {
        const def = lines[i + 1]!.trim();
        const split = def.includes('}') ? def.lastIndexOf('}') + 1 : def.search(/\s/);
        const labels = parseLabels(def.slice(0, split));
        const samples: [number, number][] = [];
        expandValues(def.slice(split).trim().split(/\s+/)).forEach((v, j) => {
          if (v !== undefined) samples.push([j * interval, v]);
        });
        // A later definition of the same series replaces the earlier one, as in Prometheus's loader.
        defs.set(labelsKey(labels), { labels, samples });
      }
      continue;
    }
    const ev = /^(eval|eval_fail|eval_ordered)\s+instant\s+at\s+(\S+)\s+(.+)$/.exec(line);
    if (!ev) throw new Error(`line ${i + 1}: cannot read ${line}`);
    const expected: Expected[] = [];
    for (
      ;
      i + 1 < lines.length && /^\s+\S/.test(lines[i + 1]!) && !lines[i + 1]!.trim().startsWith('#');
      i++
    ) {
      const row = lines[i + 1]!.trim();
      const cut = row.search(/\s+\S+$/);
      if (cut < 0) expected.push({ labels: undefined, value: parseNumber(row) });
      else
        expected.push({ labels: parseLabels(row.slice(0, cut)), value: parseNumber(row.slice(cut).trim()) });
    }
    cases.push({
      line: i + 1,
      kind: ev[1] as EvalCase['kind'],
      atMs: parseDurationMs(ev[2]!),
      expr: ev[3]!,
      expected,
      series: [...defs.values()],
    });
  }
  return cases;
}

/** Prometheus's test-format comparison: relative error below 1e-6, NaN equal to NaN. */
function almostEqual(a: number, b: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const diff = Math.abs(a - b);
  const minNormal = 2.2250738585072014e-308;
  if (a === 0 || b === 0 || diff < minNormal) return diff < 1e-6 * minNormal;
  return diff / (Math.abs(a) + Math.abs(b)) < 1e-6;
}

for (const file of FILES) {
  const cases = parseScript(readFileSync(new URL(`./testdata/${file}.test`, import.meta.url), 'utf8'));
  describe(`Prometheus testdata ${file}.test`, () => {
    it.each(cases.map((c) => [`line ${c.line}: ${c.expr}`, c] as const))('%s', async (_name, c) => {
      const engine = createPromqlEngine({ querier: new MemoryQuerier(c.series) });
      if (c.kind === 'eval_fail') {
        await expect(engine.instantQuery(c.expr, c.atMs)).rejects.toBeInstanceOf(PromqlError);
        return;
      }
      const result = await engine.instantQuery(c.expr, c.atMs);
      if (result.resultType === 'scalar') {
        expect(c.expected).toHaveLength(1);
        expect(almostEqual(result.result.value, c.expected[0]!.value), `${result.result.value}`).toBe(true);
        return;
      }
      expect(result.resultType).toBe('vector');
      if (result.resultType !== 'vector') return;
      const got = result.result.map((s) => [labelsKey(s.metric), s.value] as const);
      const want = c.expected.map((e) => [labelsKey(e.labels ?? {}), e.value] as const);
      if (c.kind === 'eval_ordered') expect(got.map(([k]) => k)).toEqual(want.map(([k]) => k));
      expect(new Set(got.map(([k]) => k))).toEqual(new Set(want.map(([k]) => k)));
      const byKey = new Map(got);
      for (const [key, value] of want)
        expect(almostEqual(byKey.get(key)!, value), `${key}: ${byKey.get(key)} vs ${value}`).toBe(true);
    });
  });
}
