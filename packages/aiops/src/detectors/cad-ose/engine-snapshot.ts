/**
 * CAD OSE engine state as compact JSON and back. The scalars stay plain JSON; the context memory (up to
 * `maxContexts` contexts with their semi-contexts) is packed into varint streams (varint-streams.ts).
 *
 * Only what the scores depend on is stored: left semi-contexts in creation order (their seq numbers are
 * renumbered, only their order matters), each context with its left side's index and its right side's mask,
 * and the least-recently-used order. Right semi-contexts, the fact indexes, each left side's context list (id
 * order) and the latest crossing (the left facts group's) are rebuilt; hashes are recomputed when needed.
 */
import { CadOseEngine, type CadOseParams } from './cad-ose-engine.js';
import { type Context, type FactSet, type RestoredContext } from './context-memory.js';
import { VarintStreamsReader, VarintStreamsWriter } from './varint-streams.js';

export interface EngineJson {
  encoder: { min: number; max: number; initialised: boolean };
  /** [sensor mask, ...neuron ids (ascending)] */
  leftFactsGroup: number[];
  /** Sensor mask. */
  lastPredicted: number;
  nextIndex: number;
  lastHigh: number;
  nextContextId: number;
  /** The context memory (see {@link Stream}). */
  memory: string;
}

/** The memory's streams: one per kind of number. */
enum Stream {
  /** Count of left semi-contexts, then per left side: sensor mask, neuron count, context count. */
  Lefts,
  /** Neuron ids of each left side, delta coded (the first from 0). */
  Neurons,
  /** Per context, grouped by left side in id order: id delta (the first of a side from 0). */
  Ids,
  /** Per context: right mask · 2 + zero level. */
  Rights,
  Selected,
  Predicted,
  Active,
  /** Per context from least recently used: its index in the order above. */
  Age,
}
const STREAMS = 8;

/** Inflated memory is well under 20 bytes per context; this bounds a hostile snapshot's inflation. */
const maxMemoryBytes = (params: CadOseParams): number => 64 * 1024 + 64 * params.maxContexts;

export function engineToJson(engine: CadOseEngine): EngineJson {
  const m = engine.memory;
  const out = new VarintStreamsWriter(STREAMS);
  const index = new Map<Context, number>();
  out.put(Stream.Lefts, m.lefts.length);
  for (const left of m.lefts) {
    out.put(Stream.Lefts, left.mask);
    out.put(Stream.Lefts, left.ids.length);
    out.put(Stream.Lefts, left.contexts.length);
    let previous = 0;
    for (const id of left.ids) {
      out.put(Stream.Neurons, id - previous);
      previous = id;
    }
    previous = 0;
    for (const context of left.contexts) {
      index.set(context, index.size);
      out.put(Stream.Ids, context.id - previous);
      previous = context.id;
      out.put(Stream.Rights, context.right.mask * 2 + (context.zeroLevel ? 1 : 0));
      out.put(Stream.Selected, context.selected);
      out.put(Stream.Predicted, context.predicted);
      out.put(Stream.Active, context.active);
    }
  }
  for (const context of m.contextsByAge()) out.put(Stream.Age, index.get(context)!);
  return {
    encoder: { ...engine.encoder.state },
    leftFactsGroup: [engine.leftFactsGroup.mask, ...engine.leftFactsGroup.ids],
    lastPredicted: engine.lastPredicted,
    nextIndex: engine.nextIndex,
    lastHigh: engine.lastHigh,
    nextContextId: m.nextContextId,
    memory: out.finish(),
  };
}

/** Rebuilds an engine; throws on a malformed state (the caller wraps it in a DetectorSnapshotError). */
export function engineFromJson(params: CadOseParams, json: EngineJson): CadOseEngine {
  if (typeof json !== 'object' || json === null) throw new Error('engine state is not an object');
  const { encoder } = json;
  if (
    typeof encoder !== 'object' ||
    encoder === null ||
    !Number.isFinite(encoder.min) ||
    !Number.isFinite(encoder.max) ||
    typeof encoder.initialised !== 'boolean'
  ) {
    throw new Error('bad encoder state');
  }
  const engine = new CadOseEngine(params, {
    min: encoder.min,
    max: encoder.max,
    initialised: encoder.initialised,
  });
  const maxMask = 2 ** (2 * params.numNormValueBits) - 1;
  const nextContextId = count(json.nextContextId, 'nextContextId');
  const maxId = nextContextId - 1;
  engine.nextIndex = count(json.nextIndex, 'nextIndex');
  engine.lastHigh = count(json.lastHigh, 'lastHigh');
  engine.lastPredicted = count(json.lastPredicted, 'lastPredicted', maxMask);
  if (!Array.isArray(json.leftFactsGroup) || json.leftFactsGroup.length === 0) {
    throw new Error('bad left facts group');
  }
  const [mask, ...ids] = json.leftFactsGroup;
  engine.leftFactsGroup = factSet(count(mask, 'left facts group', maxMask), ids, maxId);

  const read = new VarintStreamsReader(json.memory, STREAMS, maxMemoryBytes(params));
  const lefts: FactSet[] = [];
  const contexts: RestoredContext[] = [];
  const leftCount = read.get(Stream.Lefts, params.maxContexts);
  for (let left = 0; left < leftCount; left++) {
    const leftMask = read.get(Stream.Lefts, maxMask);
    const neuronCount = read.get(Stream.Lefts, nextContextId);
    const contextCount = read.get(Stream.Lefts, params.maxContexts);
    const neurons: number[] = [];
    for (let i = 0, id = 0; i < neuronCount; i++) neurons.push((id += read.get(Stream.Neurons, maxId)));
    const facts = factSet(leftMask, neurons, maxId);
    if (facts.mask === 0 && facts.ids.length === 0) throw new Error('empty left semi-context');
    lefts.push(facts);
    for (let i = 0, id = 0; i < contextCount; i++) {
      id += read.get(Stream.Ids, maxId);
      if (i > 0 && id === contexts[contexts.length - 1]!.id) throw new Error(`context ${id} repeats`);
      const right = read.get(Stream.Rights, maxMask * 2 + 1);
      if (right < 2) throw new Error(`context ${id} has an empty right side`);
      contexts.push({
        id,
        left,
        right: Math.floor(right / 2),
        zeroLevel: right % 2 === 1,
        selected: read.get(Stream.Selected),
        predicted: read.get(Stream.Predicted),
        active: read.get(Stream.Active),
      });
    }
  }
  if (contexts.length > params.maxContexts) throw new Error('more contexts than the cap');
  if (new Set(contexts.map((c) => c.id)).size !== contexts.length) throw new Error('context ids repeat');
  const byAge: RestoredContext[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < contexts.length; i++) {
    const at = read.get(Stream.Age, contexts.length - 1);
    if (seen.has(at)) throw new Error('age order repeats a context');
    seen.add(at);
    byAge.push(contexts[at]!);
  }
  read.done();
  engine.memory.load(lefts, byAge, engine.leftFactsGroup);
  engine.memory.nextContextId = nextContextId;
  return engine;
}

function count(x: unknown, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0 || x > max) {
    throw new Error(`${what} must be an integer in 0..${max}: ${String(x)}`);
  }
  return x;
}

/** A fact set from a sensor mask and neuron ids, which must ascend strictly. */
function factSet(mask: number, ids: readonly unknown[], maxId: number): FactSet {
  const checked = ids.map((id) => count(id, 'neuron id', maxId));
  checked.forEach((id, i) => {
    if (i > 0 && id <= checked[i - 1]!) throw new Error('neuron ids must ascend');
  });
  return { mask, ids: checked };
}
