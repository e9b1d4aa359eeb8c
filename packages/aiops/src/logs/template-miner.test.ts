// The streaming miner on small hand-made logs whose templates are known.
import { describe, expect, it } from 'vitest';
import { WILDCARD } from './masking.js';
import { MinerSnapshotError, TemplateMiner, type EvictedTemplate } from './template-miner.js';

const LOG = [
  'Received block 123 of size 67108864 from 10.0.0.1',
  'session opened for user alice by uid 0',
  'VM Started (Lifecycle Event)',
  'Received block 124 of size 1024 from 10.0.0.2',
  'session opened for user bob by uid 0',
  'VM Paused (Lifecycle Event)',
  'session opened for user carol by uid 1000',
  'VM Resumed (Lifecycle Event)',
  'Connection from 10.1.2.3:8080 closed after 250ms',
  'session opened for user dave by uid 0',
];

function mineAll(miner: TemplateMiner, lines: readonly string[]): string[] {
  return lines.map((line) => miner.mine(line).templateId);
}

describe('TemplateMiner', () => {
  it('finds the templates of a small log', () => {
    const miner = new TemplateMiner();
    const ids = mineAll(miner, LOG);
    const final = ids.map((id) => miner.template(id)?.template);
    expect(final[0]).toBe(`Received block ${WILDCARD} of size ${WILDCARD} from ${WILDCARD}`);
    expect(final[1]).toBe(`session opened for user ${WILDCARD} by uid ${WILDCARD}`);
    expect(final[8]).toBe(`Connection from ${WILDCARD} closed after ${WILDCARD}`);
    // Three capitalised values are an enumeration, not a variable.
    expect(new Set([final[2], final[5], final[7]])).toEqual(
      new Set([
        'VM Started (Lifecycle Event)',
        'VM Paused (Lifecycle Event)',
        'VM Resumed (Lifecycle Event)',
      ]),
    );
    expect(miner.templates()).toHaveLength(6);
    // Every session line now resolves to one id: the oldest (alice's).
    const sessions = [1, 4, 6, 9].map((i) => miner.resolveId(ids[i] as string));
    expect(new Set(sessions)).toEqual(new Set([ids[1]]));
  });

  it('reports creation, generalisation and merges, keeping the older id', () => {
    const miner = new TemplateMiner();
    const first = miner.mine('session opened for user alice by uid 0');
    expect(first.change).toBe('created');
    const bob = miner.mine('session opened for user bob by uid 0');
    expect(bob.change).toBe('created');
    const carol = miner.mine('session opened for user carol by uid 0');
    expect(carol.templateId).toBe(first.templateId);
    expect(carol.change).toBe('updated');
    expect(carol.mergedIds).toContain(bob.templateId);
    expect(miner.resolveId(bob.templateId)).toBe(first.templateId);
    expect(miner.mine('session opened for user erin by uid 7').change).toBe('none');
    expect(miner.stats()).toMatchObject({ lines: 4, templates: 1, merges: 2, evictions: 0 });
  });

  it('extracts the parameters of each line', () => {
    const miner = new TemplateMiner();
    miner.mine('Received block 123 of size 67108864 from 10.0.0.1');
    const result = miner.mine('Received block 124 of size 1024 from /10.0.0.2:50010');
    expect(result.parameters).toEqual(['124', '1024', '/10.0.0.2:50010']);
    expect(miner.mine('uid=42 logged in').parameters).toEqual(['42']);
    expect(miner.mine('no variables here').parameters).toEqual([]);
  });

  it('is deterministic, and ids depend on content, not on arrival order', () => {
    const a = new TemplateMiner();
    const b = new TemplateMiner();
    expect(mineAll(a, LOG)).toEqual(mineAll(b, LOG));
    const x = 'Connection from 10.1.2.3:8080 closed after 250ms';
    const y = 'disk full on /dev/sda1';
    const forward = new TemplateMiner();
    const backward = new TemplateMiner();
    const [fx, fy] = mineAll(forward, [x, y]);
    const [by, bx] = mineAll(backward, [y, x]);
    expect([fx, fy]).toEqual([bx, by]);
  });

  it('gives the same results with and without its caches', () => {
    const lines = [
      ...LOG,
      'HRESULT = 0x800f080d - CBS_E_INVALID',
      'HRESULT = 1x800f080d - CBS_E_INVALID',
      'value 5 of [1-9] and 0 of tty2',
      'value 7 of [1-9] and 0 of tty3',
      'value 0 of [1-9] and 0 of tty2',
    ];
    for (const masks of [[], ['0x.*?\\s', '[1-9]+']]) {
      const cached = new TemplateMiner({ masks });
      const plain = new TemplateMiner({ masks, cacheSize: 0 });
      const a = lines.map((line) => cached.mine(line));
      const b = lines.map((line) => plain.mine(line));
      expect(a.map((r) => [r.templateId, r.template, r.parameters])).toEqual(
        b.map((r) => [r.templateId, r.template, r.parameters]),
      );
    }
  });

  it('gives the same ids after snapshot and restore (through JSON)', () => {
    const original = new TemplateMiner({ masks: ['blk_-?\\d+'] });
    const before = mineAll(original, LOG.slice(0, 6));
    const json = JSON.stringify(original.snapshot());
    const restored = new TemplateMiner({ masks: ['blk_-?\\d+'] });
    restored.restore(JSON.parse(json));
    expect(restored.templates()).toEqual(original.templates());
    expect(restored.stats()).toEqual(original.stats());
    // The rest of the log, and the start again: the same ids in both.
    const rest = [...LOG.slice(6), ...LOG.slice(0, 6)];
    expect(mineAll(restored, rest)).toEqual(mineAll(original, rest));
    expect(before.map((id) => restored.resolveId(id))).toEqual(before.map((id) => original.resolveId(id)));
  });

  it('rejects malformed snapshots', () => {
    const miner = new TemplateMiner();
    expect(() => miner.restore({} as never)).toThrow(MinerSnapshotError);
    expect(() => miner.restore({ ...new TemplateMiner().snapshot(), cache: [['k']] } as never)).toThrow(
      /pairs/,
    );
    const snapshot = { ...new TemplateMiner().snapshot(), templates: [{ id: 1 }] };
    expect(() => miner.restore(snapshot as never)).toThrow(/malformed/);
  });

  it('evicts the least recently used template of a full group and reports it', () => {
    const evicted: EvictedTemplate[] = [];
    const miner = new TemplateMiner({ maxTemplatesPerGroup: 2, onEvict: (e) => evicted.push(e) });
    const apple = miner.mine('apple red fruit').templateId;
    miner.mine('carrot orange root');
    miner.mine('carrot orange root');
    miner.mine('pea green seed');
    expect(evicted).toEqual([{ templateId: apple, template: 'apple red fruit', count: 1 }]);
    expect(miner.stats().evictions).toBe(1);
    expect(miner.template(apple)).toBeUndefined();
    expect(miner.templates().map((t) => t.template)).toEqual(['carrot orange root', 'pea green seed']);
  });

  it('keeps templates apart when a constant word differs, and lists apart from single values', () => {
    const miner = new TemplateMiner();
    const a = miner.mine('Transitioned from NEW to RUNNING').templateId;
    const b = miner.mine('Transitioned from RUNNING to SUCCEEDED').templateId;
    expect(a).not.toBe(b);
    const list = miner.mine('delete 1 2 3 4 5 6 done');
    expect(list.template).toBe(`delete ${WILDCARD} done`);
    expect(miner.mine('delete 1 2 3 4 5 6 7 8 done').templateId).toBe(list.templateId);
  });
});
