import { describe, expect, it } from 'vitest';
import { ChaosInputError } from './chaos-errors.js';
import { faultByName } from './fault-catalogue.js';
import { parseFaultParams, parseParamPairs } from './fault-params.js';

const parse = (fault: string, raw: Record<string, string | number | boolean>) =>
  parseFaultParams(faultByName(fault), raw);

/** The one-line message of what `fn` throws, checking it is a ChaosInputError. */
const failure = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ChaosInputError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a ChaosInputError');
};

describe('parseParamPairs', () => {
  it('splits key=value pairs at the first =', () => {
    expect(parseParamPairs(['ms=200', 'value=a=b', 'empty='])).toEqual({
      ms: '200',
      value: 'a=b',
      empty: '',
    });
    expect(parseParamPairs([])).toEqual({});
  });

  it('rejects a pair without a key or =, and a key given twice', () => {
    expect(failure(() => parseParamPairs(['ms']))).toBe('"ms" is not a param (expected key=value)');
    expect(failure(() => parseParamPairs(['=5']))).toBe('"=5" is not a param (expected key=value)');
    expect(failure(() => parseParamPairs(['ms=1', 'ms=2']))).toBe('param "ms" is given twice');
  });
});

describe('parseFaultParams', () => {
  it('coerces numbers and fills defaults', () => {
    expect(parse('latency', { ms: '250', ratio: '0.25', distribution: 'pareto' })).toEqual({
      ms: 250,
      jitterMs: 0,
      distribution: 'pareto',
      ratio: 0.25,
      protocol: 'both',
    });
    expect(parse('memory-leak', { mbPerSecond: '2.5' })).toEqual({ mbPerSecond: 2.5, maxMb: 800 });
  });

  it('takes typed values from a JSON body as they are', () => {
    expect(parse('cpu', { percent: 40 })).toEqual({ percent: 40 });
    expect(parse('bad-config', { key: 'POOL', value: 0 })).toEqual({ key: 'POOL', value: '0' });
  });

  it('names the allowed params for an unknown one', () => {
    expect(failure(() => parse('latency', { delay: '5' }))).toBe(
      'latency: unknown param "delay" (allowed: ms, jitterMs, distribution, ratio, protocol)',
    );
    expect(failure(() => parse('bus-stall', { x: '1' }))).toBe(
      'bus-stall: unknown param "x" (allowed: none)',
    );
  });

  it('names the range of a value out of range', () => {
    expect(failure(() => parse('latency', { ms: '0' }))).toBe(
      'latency: ms must be an integer in 1..60000 (got 0)',
    );
    expect(failure(() => parse('errors', { ratio: '1.5' }))).toBe(
      'errors: ratio must be a number in 0..1 (got 1.5)',
    );
    expect(failure(() => parse('errors', { status: '200' }))).toBe(
      'errors: status must be one of 400, 401, 403, 404, 409, 413, 415, 429, 500, 502, 503, 504 (got 200)',
    );
    expect(failure(() => parse('cpu', { percent: '50.5' }))).toBe(
      'cpu: percent must be an integer in 1..100 (got 50.5)',
    );
  });

  it('rejects text that is not a number, including the forms Number() would accept', () => {
    for (const text of ['abc', '', '0x10', '1_000', ' ']) {
      expect(failure(() => parse('cpu', { percent: text }))).toMatch(
        /^cpu: percent must be an integer in 1\.\.100 \(got/,
      );
    }
  });

  it('names the values of an enumeration', () => {
    expect(failure(() => parse('crash', { signal: 'SIGHUP' }))).toBe(
      'crash: signal must be one of SIGKILL, SIGTERM (got "SIGHUP")',
    );
  });

  it('says which required param is missing and what it is', () => {
    expect(failure(() => parse('dependency-unreachable', {}))).toBe(
      'dependency-unreachable: param "dependency" is required (A service the target calls; every call of the target to it fails)',
    );
    expect(failure(() => parse('bad-flag', { flag: 'x' }))).toMatch(/^bad-flag: param "variant" is required/);
  });

  it('checks the shape of text params', () => {
    expect(failure(() => parse('dependency-unreachable', { dependency: 'Pay Ments' }))).toBe(
      'dependency-unreachable: dependency must be a service name (got "Pay Ments")',
    );
    expect(failure(() => parse('bad-config', { key: 'A-B', value: '1' }))).toBe(
      'bad-config: key must be an environment variable name (got "A-B")',
    );
  });
});
