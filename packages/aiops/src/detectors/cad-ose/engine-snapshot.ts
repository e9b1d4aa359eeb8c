/**
 * CAD OSE engine state as plain JSON and back. Hashes and fact indexes are derived, so they are rebuilt on
 * restore rather than stored.
 */
import { CadOseEngine, type CadOseParams } from './cad-ose-engine.js';
import type { SemiContext } from './context-memory.js';
import { pythonTupleHash } from './python-tuple-hash.js';

/** Facts are stored small: sensor facts as 0..(2·bits-1), neuron facts as -(context id + 1). */
const SENSOR_BASE = 65536;
const NEURON_BASE = 2 ** 31;
const packFacts = (facts: readonly number[]): number[] =>
  facts.map((f) => (f >= NEURON_BASE ? -(f - NEURON_BASE) - 1 : f - SENSOR_BASE));
const unpackFacts = (facts: readonly number[]): number[] =>
  facts.map((f) => (f < 0 ? NEURON_BASE - f - 1 : f + SENSOR_BASE));

/** [seq, facts, matched, [[right seq, context id]...], refs] */
type SemiJson = [number, number[], number[], [number, number][], number];
/** [id, selected, predicted, active, left seq, right seq, zero level (0/1)] */
type ContextJson = [number, number, number, number, number, number, number];

export interface EngineJson {
  encoder: { min: number; max: number; initialised: boolean };
  leftFactsGroup: number[];
  lastPredicted: number[];
  nextIndex: number;
  lastHigh: number;
  semis: [SemiJson[], SemiJson[]];
  crossed: [number[], number[]];
  contexts: ContextJson[];
  nextSemiSeq: [number, number];
  nextContextId: number;
  newContextId: number;
}

export function engineToJson(engine: CadOseEngine): EngineJson {
  const m = engine.memory;
  const semis = (side: 0 | 1): SemiJson[] =>
    [...m.semis[side].values()].map((s) => [
      s.seq,
      packFacts(s.facts),
      packFacts(s.matched),
      [...s.contexts],
      s.refs,
    ]);
  return {
    encoder: { ...engine.encoder.state },
    leftFactsGroup: packFacts(engine.leftFactsGroup),
    lastPredicted: packFacts([...engine.lastPredicted]),
    nextIndex: engine.nextIndex,
    lastHigh: engine.lastHigh,
    semis: [semis(0), semis(1)],
    crossed: [m.crossed[0].map((s) => s.seq), m.crossed[1].map((s) => s.seq)],
    contexts: [...m.contexts.values()].map((c) => [
      c.id,
      c.selected,
      c.predicted,
      c.active,
      c.left,
      c.right,
      c.zeroLevel ? 1 : 0,
    ]),
    nextSemiSeq: [...m.nextSemiSeq],
    nextContextId: m.nextContextId,
    newContextId: m.newContextId,
  };
}

/** Rebuilds an engine; throws on a malformed state (the caller wraps it in a DetectorSnapshotError). */
export function engineFromJson(params: CadOseParams, json: EngineJson): CadOseEngine {
  const engine = new CadOseEngine(params, { ...json.encoder });
  engine.leftFactsGroup = unpackFacts(json.leftFactsGroup);
  engine.lastPredicted = new Set(unpackFacts(json.lastPredicted));
  engine.nextIndex = json.nextIndex;
  engine.lastHigh = json.lastHigh;
  const m = engine.memory;
  for (const side of [0, 1] as const) {
    for (const [seq, packed, matched, contexts, refs] of json.semis[side]) {
      const facts = unpackFacts(packed);
      const semi: SemiContext = {
        seq,
        facts,
        hash: pythonTupleHash(facts),
        matched: unpackFacts(matched),
        contexts: new Map(contexts),
        refs,
      };
      m.addSemi(side, semi);
    }
    m.crossed[side] = json.crossed[side].map((seq) => {
      const semi = m.semis[side].get(seq);
      if (!semi) throw new Error(`crossed semi-context ${seq} is missing`);
      return semi;
    });
  }
  for (const [id, selected, predicted, active, left, right, zeroLevel] of json.contexts) {
    m.contexts.set(id, { id, selected, predicted, active, left, right, zeroLevel: zeroLevel === 1 });
  }
  m.nextSemiSeq = [...json.nextSemiSeq];
  m.nextContextId = json.nextContextId;
  m.newContextId = json.newContextId;
  return engine;
}
