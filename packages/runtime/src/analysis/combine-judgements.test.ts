import { describe, expect, it } from 'vitest';
import { combineJudgements } from './combine-judgements.js';
import type { Check, Judgement, Verdict } from './judge-canary.js';
import type { DetectorJudgement } from './judge-detectors.js';

const check = (name: Check['name'], verdict: Verdict): Check => ({
  name,
  verdict,
  baseline: null,
  canary: null,
  detail: `${name} ${verdict}`,
});
const tests = (verdict: Verdict): Judgement => ({
  verdict,
  checks: [check('success-rate', verdict)],
  baselineRequests: 900,
  canaryRequests: 100,
});
const detectors = (verdict: Verdict): DetectorJudgement => ({
  verdict,
  checks: [check('detector-errors', verdict), check('detector-latency', 'pass')],
});

describe('combineJudgements', () => {
  it.each<[Verdict, Verdict, Verdict]>([
    ['pass', 'pass', 'pass'],
    ['pass', 'inconclusive', 'pass'], // a detector still learning does not hold the promotion
    ['pass', 'fail', 'fail'],
    ['inconclusive', 'fail', 'fail'], // too few requests for the tests, a clear anomaly for the detectors
    ['inconclusive', 'pass', 'inconclusive'],
    ['inconclusive', 'inconclusive', 'inconclusive'],
    ['fail', 'pass', 'fail'],
    ['fail', 'inconclusive', 'fail'],
  ])('both: tests %s, detectors %s → %s, with every check', (t, d, expected) => {
    const j = combineJudgements('both', tests(t), detectors(d));
    expect(j.verdict).toBe(expected);
    expect(j.checks.map((c) => c.name)).toEqual(['success-rate', 'detector-errors', 'detector-latency']);
    expect(j).toMatchObject({ baselineRequests: 900, canaryRequests: 100 });
  });

  it('statistical: the tests alone, whatever the detectors say', () => {
    expect(combineJudgements('statistical', tests('pass'), detectors('fail'))).toEqual(tests('pass'));
  });

  it('detectors: the detectors alone, with the request counts', () => {
    expect(combineJudgements('detectors', tests('fail'), detectors('pass'))).toEqual({
      verdict: 'pass',
      checks: detectors('pass').checks,
      baselineRequests: 900,
      canaryRequests: 100,
    });
  });
});
