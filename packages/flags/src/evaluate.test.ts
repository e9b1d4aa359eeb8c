import { describe, expect, it } from 'vitest';
import { evaluateFlag } from './evaluate.js';
import { changeFlag, parseFlagDefinitions } from './flag-definitions.js';

const onOff = { on: true, off: false };

function rollout(onWeight: number) {
  return parseFlagDefinitions({
    flags: {
      'new-checkout': {
        state: 'ENABLED',
        variants: onOff,
        defaultVariant: 'off',
        targeting: {
          fractional: [
            ['on', onWeight],
            ['off', 100 - onWeight],
          ],
        },
      },
    },
  });
}

const flags = parseFlagDefinitions({
  flags: {
    static: { state: 'ENABLED', variants: onOff, defaultVariant: 'on' },
    beta: {
      state: 'ENABLED',
      variants: onOff,
      defaultVariant: 'off',
      targeting: { if: [{ in: [{ var: 'email' }, ['a@x']] }, 'on', 'off'] },
    },
    'beta-or-default': {
      state: 'ENABLED',
      variants: onOff,
      defaultVariant: 'off',
      targeting: { if: [{ starts_with: [{ var: 'email' }, 'admin@'] }, 'on', null] },
    },
    'no-default': { state: 'ENABLED', variants: { a: 'A' }, defaultVariant: null },
    color: {
      state: 'ENABLED',
      variants: { red: '#f00', green: '#0f0' },
      defaultVariant: 'red',
      targeting: { if: [{ sem_ver: [{ var: 'appVersion' }, '>=', '2.0.0'] }, 'green', 'red'] },
    },
    'page-size': { state: 'ENABLED', variants: { small: 10, large: 50 }, defaultVariant: 'large' },
    limits: { state: 'ENABLED', variants: { std: { rps: 5, burst: [1, 2] } }, defaultVariant: 'std' },
    'kill-payments': { state: 'DISABLED', variants: onOff, defaultVariant: 'on' },
    broken: {
      state: 'ENABLED',
      variants: onOff,
      defaultVariant: 'off',
      targeting: { if: [true, 'nonexistent', 'off'] },
    },
  },
});

describe('evaluateFlag', () => {
  it('serves the default variant of a flag without a rule as STATIC', () => {
    expect(evaluateFlag(flags, 'static', false)).toMatchObject({
      value: true,
      variant: 'on',
      reason: 'STATIC',
    });
  });

  it('matches targeting rules against the context', () => {
    expect(evaluateFlag(flags, 'beta', false, { email: 'a@x' })).toMatchObject({
      value: true,
      variant: 'on',
      reason: 'TARGETING_MATCH',
    });
    expect(evaluateFlag(flags, 'beta', true, { email: 'b@x' })).toMatchObject({
      value: false,
      variant: 'off',
      reason: 'TARGETING_MATCH',
    });
    expect(evaluateFlag(flags, 'color', 'x', { appVersion: '2.1.0' })).toMatchObject({ value: '#0f0' });
    expect(evaluateFlag(flags, 'color', 'x', { appVersion: '1.9.9' })).toMatchObject({ value: '#f00' });
  });

  it('falls back to the default variant (reason DEFAULT) when a rule returns null', () => {
    expect(evaluateFlag(flags, 'beta-or-default', true, { email: 'b@x' })).toMatchObject({
      value: false,
      variant: 'off',
      reason: 'DEFAULT',
    });
    // No default variant at all: the caller's default.
    expect(evaluateFlag(flags, 'no-default', 'mine')).toMatchObject({ value: 'mine', reason: 'DEFAULT' });
  });

  it('serves numbers and objects', () => {
    expect(evaluateFlag(flags, 'page-size', 1).value).toBe(50);
    expect(evaluateFlag(flags, 'limits', {}).value).toEqual({ rps: 5, burst: [1, 2] });
  });

  it("answers a disabled flag with the caller's default and reason DISABLED", () => {
    expect(evaluateFlag(flags, 'kill-payments', false)).toMatchObject({ value: false, reason: 'DISABLED' });
    const enabled = changeFlag(flags, 'kill-payments', { state: 'ENABLED' });
    expect(evaluateFlag(enabled, 'kill-payments', false)).toMatchObject({ value: true, reason: 'STATIC' });
  });

  it('reports a type mismatch with the caller default', () => {
    expect(evaluateFlag(flags, 'static', 'yes')).toMatchObject({
      value: 'yes',
      reason: 'ERROR',
      errorCode: 'TYPE_MISMATCH',
    });
    expect(evaluateFlag(flags, 'page-size', false)).toMatchObject({
      value: false,
      errorCode: 'TYPE_MISMATCH',
    });
  });

  it('reports a missing flag', () => {
    expect(evaluateFlag(flags, 'nope', 7)).toMatchObject({
      value: 7,
      reason: 'ERROR',
      errorCode: 'FLAG_NOT_FOUND',
    });
  });

  it('reports a rule that names no variant as an error, with the caller default', () => {
    expect(evaluateFlag(flags, 'broken', true)).toMatchObject({
      value: true,
      reason: 'ERROR',
      errorCode: 'GENERAL',
    });
  });

  it('splits a 50/50 rollout within ±3 % over 10 000 users, each user always in the same bucket', () => {
    const half = rollout(50);
    const again = rollout(50);
    const users = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
    const first = users.map((user) => evaluateFlag(half, 'new-checkout', false, { targetingKey: user }));
    const on = first.filter((r) => r.value === true).length;
    expect(on / users.length).toBeGreaterThan(0.47);
    expect(on / users.length).toBeLessThan(0.53);
    expect(first.every((r) => r.reason === 'TARGETING_MATCH')).toBe(true);
    users.forEach((user, i) => {
      expect(evaluateFlag(again, 'new-checkout', false, { targetingKey: user }).value).toBe(first[i]!.value);
    });
  });

  it('keeps users who had the feature when the rollout grows', () => {
    const at50 = rollout(50);
    const at60 = rollout(60);
    for (let i = 0; i < 2_000; i += 1) {
      const context = { targetingKey: `user-${i}` };
      if (evaluateFlag(at50, 'new-checkout', false, context).value) {
        expect(evaluateFlag(at60, 'new-checkout', false, context).value).toBe(true);
      }
    }
  });

  it('falls back to the default variant when a rollout has no targetingKey to bucket by', () => {
    expect(evaluateFlag(rollout(100), 'new-checkout', true)).toMatchObject({
      value: false,
      reason: 'DEFAULT',
    });
  });
});
