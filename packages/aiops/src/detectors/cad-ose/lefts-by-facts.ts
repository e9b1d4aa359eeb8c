/**
 * Left semi-contexts by their facts. Keyed by a 32-bit hash of the facts, not by a string: a string key
 * costs a join and a string hash per lookup, and lookups happen for every potential pair.
 */
import type { FactSet, LeftSemi } from './semi-contexts.js';

export class LeftsByFacts {
  /** Hash → the left sides with that hash (almost always one). */
  private readonly buckets = new Map<number, LeftSemi[]>();

  find(facts: FactSet): LeftSemi | undefined {
    const bucket = this.buckets.get(factsHash(facts));
    if (bucket) for (const left of bucket) if (sameFacts(left, facts)) return left;
    return undefined;
  }

  add(left: LeftSemi): void {
    const hash = factsHash(left);
    const bucket = this.buckets.get(hash);
    if (bucket) bucket.push(left);
    else this.buckets.set(hash, [left]);
  }

  delete(left: LeftSemi): void {
    const hash = factsHash(left);
    const bucket = this.buckets.get(hash);
    if (!bucket) return;
    const at = bucket.indexOf(left);
    if (at >= 0) bucket.splice(at, 1);
    if (bucket.length === 0) this.buckets.delete(hash);
  }
}

function factsHash(facts: FactSet): number {
  let hash = facts.mask | 0;
  for (const id of facts.ids) hash = Math.imul(hash ^ id, 0x9e3779b1) ^ (hash >>> 15);
  return hash;
}

function sameFacts(left: LeftSemi, facts: FactSet): boolean {
  if (left.mask !== facts.mask || left.ids.length !== facts.ids.length) return false;
  for (let i = 0; i < left.ids.length; i++) if (left.ids[i] !== facts.ids[i]) return false;
  return true;
}
