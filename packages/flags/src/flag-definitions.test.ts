import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  changeFlag,
  changedFlagKeys,
  emptyFlagSet,
  parseFlagDefinitions,
  type FlagSet,
} from './flag-definitions.js';
import { FlagDefinitionError, UnknownFlagError, type FlagIssue } from './flag-errors.js';

const checkout = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
};

function doc(flag: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown {
  return { flags: { 'new-checkout': { ...checkout, ...flag } }, ...extra };
}

function issuesOf(input: unknown): FlagIssue[] {
  try {
    parseFlagDefinitions(input);
  } catch (error) {
    expect(error).toBeInstanceOf(FlagDefinitionError);
    return [...(error as FlagDefinitionError).issues];
  }
  throw new Error('expected the document to be rejected');
}

describe('parseFlagDefinitions', () => {
  it('parses a valid document, text or object, into typed definitions', () => {
    const text = JSON.stringify({
      $schema: 'https://flagd.dev/schema/v0/flags.json',
      flags: {
        'new-checkout': { ...checkout, metadata: { owner: 'shop' } },
        'banner-color': { state: 'DISABLED', variants: { red: '#f00', blue: '#00f' }, defaultVariant: 'red' },
        'page-size': { state: 'ENABLED', variants: { small: 10, large: 50 }, defaultVariant: null },
        limits: { state: 'ENABLED', variants: { std: { rps: 5 } }, defaultVariant: 'std', targeting: {} },
      },
      metadata: { version: '3', flagSetId: 'shop' },
    });
    const flagSet = parseFlagDefinitions(text);
    expect([...flagSet.flags.keys()]).toEqual(['new-checkout', 'banner-color', 'page-size', 'limits']);
    expect(flagSet.flags.get('new-checkout')).toMatchObject({
      kind: 'boolean',
      state: 'ENABLED',
      defaultVariant: 'off',
      metadata: { owner: 'shop' },
    });
    expect(flagSet.flags.get('banner-color')?.kind).toBe('string');
    expect(flagSet.flags.get('page-size')).toMatchObject({ kind: 'number', defaultVariant: null });
    // An empty rule means "no rule", as in flagd.
    expect(flagSet.flags.get('limits')?.targeting).toBeUndefined();
    expect(flagSet.metadata).toEqual({ version: '3', flagSetId: 'shop' });
    expect(parseFlagDefinitions(JSON.parse(text) as unknown).document).toEqual(flagSet.document);
  });

  it('keeps its own copy: neither the input nor the result can be changed behind it', () => {
    const input = doc({}) as { flags: Record<string, { defaultVariant: string }> };
    const flagSet = parseFlagDefinitions(input);
    input.flags['new-checkout']!.defaultVariant = 'on';
    expect(flagSet.flags.get('new-checkout')?.defaultVariant).toBe('off');
    expect(Object.isFrozen(flagSet.document.flags['new-checkout'])).toBe(true);
    expect(Object.isFrozen(flagSet.flags.get('new-checkout'))).toBe(true);
  });

  it('names an unknown defaultVariant with its path', () => {
    expect(issuesOf(doc({ defaultVariant: 'maybe' }))).toEqual([
      { path: 'flags.new-checkout.defaultVariant', message: '"maybe" is not a variant (variants: on, off)' },
    ]);
  });

  it('rejects variants of mixed types, naming the odd one', () => {
    const [issue] = issuesOf(doc({ variants: { on: true, off: 'no' } }));
    expect(issue?.path).toBe('flags.new-checkout.variants.off');
    expect(issue?.message).toMatch(/mixed.*boolean.*"on".*string/);
  });

  it('rejects variant values flagd cannot serve', () => {
    const issues = issuesOf(doc({ variants: { on: [1], off: null } }));
    expect(issues.map((i) => i.path)).toEqual([
      'flags.new-checkout.variants.on',
      'flags.new-checkout.variants.off',
    ]);
  });

  it('rejects targeting that is not JsonLogic, at the deepest useful path', () => {
    expect(issuesOf(doc({ targeting: 'email == a@x' }))).toEqual([
      {
        path: 'flags.new-checkout.targeting',
        message: 'expected a JsonLogic rule (an object), got a string ("email == a@x")',
      },
    ]);
    expect(issuesOf(doc({ targeting: { nope: [1, 2] } }))).toEqual([
      { path: 'flags.new-checkout.targeting', message: 'unknown or misused JsonLogic operator "nope"' },
    ]);
    expect(issuesOf(doc({ targeting: { if: 'on' } }))).toEqual([
      { path: 'flags.new-checkout.targeting.if', message: 'expected an array' },
    ]);
    expect(issuesOf(doc({ targeting: { if: [{ fractional: 'x' }, 'on', 'off'] } }))[0]?.path).toBe(
      'flags.new-checkout.targeting.if[0].fractional',
    );
    // Passes flagd's schema but cannot be compiled: flagd-core would only say so at evaluation time.
    expect(issuesOf(doc({ targeting: { if: [true, 'on', 'off'], '==': [1, 1] } }))).toEqual([
      {
        path: 'flags.new-checkout.targeting',
        message: 'a JsonLogic operation has exactly one operator key, this object has 2 (if, ==)',
      },
    ]);
  });

  it('resolves $ref from $evaluators, nested ones too', () => {
    const flagSet = parseFlagDefinitions(
      doc(
        { targeting: { if: [{ $ref: 'staff' }, 'on', 'off'] } },
        {
          $evaluators: {
            staff: { or: [{ $ref: 'admins' }, { ends_with: [{ var: 'email' }, '@opsloop.dev'] }] },
            admins: { in: [{ var: 'email' }, ['root@x']] },
          },
        },
      ),
    );
    expect(flagSet.flags.get('new-checkout')?.targeting).toEqual({
      if: [
        { or: [{ in: [{ var: 'email' }, ['root@x']] }, { ends_with: [{ var: 'email' }, '@opsloop.dev'] }] },
        'on',
        'off',
      ],
    });
    // The document on the wire keeps the references.
    expect(JSON.stringify(flagSet.document)).toContain('"$ref":"staff"');
  });

  it('reports an unknown $ref and a $ref cycle with their paths', () => {
    expect(
      issuesOf(
        doc({ targeting: { if: [{ $ref: 'missing' }, 'on', 'off'] } }, { $evaluators: { staff: true } }),
      ),
    ).toEqual([
      {
        path: 'flags.new-checkout.targeting.if[0].$ref',
        message: 'unknown evaluator "missing" ($evaluators has: staff)',
      },
    ]);
    const [cycle] = issuesOf(
      doc(
        { targeting: { if: [{ $ref: 'a' }, 'on', 'off'] } },
        { $evaluators: { a: { '!': { $ref: 'b' } }, b: { $ref: 'a' } } },
      ),
    );
    expect(cycle).toEqual({ path: '$evaluators.b.$ref', message: 'reference cycle: a → b → a' });
  });

  it('rejects a wrong state', () => {
    expect(issuesOf(doc({ state: 'ON' }))).toEqual([
      { path: 'flags.new-checkout.state', message: 'expected "ENABLED" or "DISABLED", got a string ("ON")' },
    ]);
    expect(issuesOf(doc({ state: undefined }))[0]?.path).toBe('flags.new-checkout.state');
  });

  it('rejects a document that is not an object, and text that is not JSON', () => {
    for (const input of [[1, 2], 'null', 42, null, '"flags"']) {
      const [issue] = issuesOf(input);
      expect(issue?.path).toBe('(root)');
      expect(issue?.message).toMatch(/^expected a flagd document/);
    }
    const [json] = issuesOf('{"flags": {');
    expect(json?.path).toBe('(root)');
    expect(json?.message).toMatch(/^invalid JSON: /);
    expect(issuesOf({})).toEqual([
      { path: 'flags', message: 'required: an object mapping flag keys to flags' },
    ]);
  });

  it("passes flagd's own schema rules through with their paths", () => {
    // flagd reserves metadata.version for a string.
    expect(issuesOf(doc({}, { metadata: { version: 3 } }))).toEqual([
      { path: 'metadata.version', message: 'expected a string' },
    ]);
  });

  it('reports every problem at once, and catches typos in property names', () => {
    const issues = issuesOf({
      flags: {
        a: { ...checkout, defaultvariant: 'on' },
        b: { ...checkout, state: 'on', metadata: { team: ['x'] } },
      },
      metdata: {},
    });
    expect(issues.map((i) => i.path)).toEqual([
      'metdata',
      'flags.a.defaultvariant',
      'flags.b.state',
      'flags.b.metadata.team',
    ]);
    const error = new FlagDefinitionError(issues);
    expect(error.message).toContain('flags.a.defaultvariant: unknown property');
  });

  it('accepts any flag whose default is one of its variants, and rejects any other default', () => {
    const names = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(names, fc.nat(), fc.string({ minLength: 1, maxLength: 8 }), (variants, pick, other) => {
        const values = Object.fromEntries(variants.map((name, i) => [name, i]));
        const chosen = variants[pick % variants.length]!;
        const ok = parseFlagDefinitions({
          flags: { f: { state: 'ENABLED', variants: values, defaultVariant: chosen } },
        });
        expect(ok.flags.get('f')?.defaultVariant).toBe(chosen);
        if (!variants.includes(other)) {
          const bad = { flags: { f: { state: 'ENABLED', variants: values, defaultVariant: other } } };
          expect(issuesOf(bad)[0]?.message).toContain('is not a variant');
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('changeFlag', () => {
  const flagSet = parseFlagDefinitions(doc({}));

  it('returns a new flag set with the default variant and/or state changed', () => {
    const on = changeFlag(flagSet, 'new-checkout', { defaultVariant: 'on' });
    expect(on.flags.get('new-checkout')?.defaultVariant).toBe('on');
    expect(flagSet.flags.get('new-checkout')?.defaultVariant).toBe('off');
    const off = changeFlag(on, 'new-checkout', { state: 'DISABLED', defaultVariant: 'off' });
    expect(off.flags.get('new-checkout')).toMatchObject({ state: 'DISABLED', defaultVariant: 'off' });
  });

  it('refuses an unknown flag, an unknown variant, a bad state and an empty change', () => {
    expect(() => changeFlag(flagSet, 'old-checkout', { state: 'DISABLED' })).toThrow(UnknownFlagError);
    expect(() => changeFlag(flagSet, 'old-checkout', { state: 'DISABLED' })).toThrow(
      'flags.old-checkout: no such flag (known: new-checkout)',
    );
    expect(() => changeFlag(flagSet, 'new-checkout', { defaultVariant: 'maybe' })).toThrow(
      'flags.new-checkout.defaultVariant: "maybe" is not a variant',
    );
    expect(() => changeFlag(flagSet, 'new-checkout', { state: 'OFF' as never })).toThrow(
      'flags.new-checkout.state: expected "ENABLED" or "DISABLED"',
    );
    expect(() => changeFlag(flagSet, 'new-checkout', {})).toThrow('flags.new-checkout: a change sets');
    expect(() => changeFlag(flagSet, 'new-checkout', { targeting: {} } as never)).toThrow(
      'flags.new-checkout.targeting: cannot be changed this way',
    );
  });
});

describe('changedFlagKeys', () => {
  it('lists flags added, removed and changed in any way, sorted', () => {
    const before: FlagSet = parseFlagDefinitions({
      flags: { keep: checkout, change: checkout, drop: checkout, meta: checkout },
    });
    const after = parseFlagDefinitions({
      flags: {
        keep: checkout,
        change: { ...checkout, defaultVariant: 'on' },
        meta: { ...checkout, metadata: { a: 1 } },
        add: checkout,
      },
    });
    expect(changedFlagKeys(before, after)).toEqual(['add', 'change', 'drop', 'meta']);
    expect(changedFlagKeys(undefined, before)).toEqual(['change', 'drop', 'keep', 'meta']);
    expect(changedFlagKeys(before, before)).toEqual([]);
    expect(changedFlagKeys(emptyFlagSet(), emptyFlagSet())).toEqual([]);
  });
});
