import fc from 'fast-check';
import jsonpatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { diffJson, jsonEqual, pointerToken } from './json-patch.js';

const apply = (from: unknown, to: unknown) =>
  jsonpatch.applyPatch(structuredClone(from), diffJson(from, to), true, false).newDocument;

describe('diffJson', () => {
  it('writes nothing for equal values, whatever the key order', () => {
    expect(diffJson({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toEqual([]);
  });

  it('patches objects key by key and escapes pointer tokens', () => {
    const ops = diffJson(
      { metadata: { labels: { 'app.kubernetes.io/name': 'a', old: 'x' } } },
      { metadata: { labels: { 'app.kubernetes.io/name': 'b', 'a~b': 'y' } } },
    );
    expect(ops).toEqual([
      { op: 'remove', path: '/metadata/labels/old' },
      { op: 'replace', path: '/metadata/labels/app.kubernetes.io~1name', value: 'b' },
      { op: 'add', path: '/metadata/labels/a~0b', value: 'y' },
    ]);
    expect(pointerToken('a/b~c')).toBe('a~1b~0c');
  });

  it('replaces an array whose length changed, patches one of equal length item by item', () => {
    expect(diffJson({ a: [1, 2] }, { a: [1] })).toEqual([{ op: 'replace', path: '/a', value: [1] }]);
    expect(diffJson({ a: [1, 2] }, { a: [1, 3] })).toEqual([{ op: 'replace', path: '/a/1', value: 3 }]);
  });

  it('turns any JSON value into any other (applied with fast-json-patch)', () => {
    const json = fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.parse(JSON.stringify(value)) as unknown);
    const object = fc.dictionary(fc.string({ maxLength: 4 }), json, { maxKeys: 5 });
    fc.assert(
      fc.property(object, object, (from, to) => {
        expect(jsonEqual(apply(from, to), to)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
