import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toYaml, type YamlValue } from './yaml-writer.js';

/** Reads back a scalar as the writer emits it (plain, single-quoted or JSON double-quoted). */
function readScalar(text: string): string {
  if (text.startsWith("'")) return text.slice(1, -1).replaceAll("''", "'");
  if (text.startsWith('"')) return JSON.parse(text) as string;
  return text;
}

describe('toYaml', () => {
  it('writes block mappings and sequences the way prettier leaves them', () => {
    const doc: { readonly [key: string]: YamlValue } = {
      groups: [
        {
          name: 'g',
          rules: [
            { record: 'a:b:c', expr: 'sum(x{a="b"})' },
            { alert: 'X', for: '5m' },
          ],
        },
      ],
    };
    expect(toYaml(doc)).toBe(
      [
        'groups:',
        '  - name: g',
        '    rules:',
        '      - record: a:b:c',
        `        expr: 'sum(x{a="b"})'`,
        '      - alert: X',
        '        for: 5m',
        '',
      ].join('\n'),
    );
  });

  it('quotes what YAML would read as something else', () => {
    expect(
      toYaml({ a: 'true', b: 'no', c: '0.5', d: '{{ $value }}', e: "it's", f: '', g: 'x: y', h: 'null' }),
    ).toBe(
      [
        `a: 'true'`,
        `b: 'no'`,
        `c: '0.5'`,
        `d: '{{ $value }}'`,
        `e: "it's"`,
        `f: ''`,
        `g: 'x: y'`,
        `h: 'null'`,
        '',
      ].join('\n'),
    );
  });

  it('writes multi-line text as a literal block and scalars/empties inline', () => {
    expect(toYaml({ expr: 'a\nand\n  b', num: 1.5, ok: true, none: null, list: [], map: {} })).toBe(
      [
        'expr: |-',
        '  a',
        '  and',
        '    b',
        'num: 1.5',
        'ok: true',
        'none: null',
        'list: []',
        'map: {}',
        '',
      ].join('\n'),
    );
    expect(toYaml({ items: ['x', 'y z'] })).toBe(['items:', '  - x', "  - 'y z'", ''].join('\n'));
  });

  it('property: every single-line string reads back unchanged', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\n')),
        (s) => {
          const line = toYaml({ k: s }).slice('k: '.length, -1);
          expect(readScalar(line)).toBe(s);
        },
      ),
    );
  });
});
