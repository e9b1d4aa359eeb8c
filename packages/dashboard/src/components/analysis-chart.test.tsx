// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnalysisCheck } from '@opsloop/contracts';
import { AnalysisChart, checkLabel, formatCheckValue } from './analysis-chart.js';

afterEach(cleanup);

const checks: AnalysisCheck[] = [
  {
    name: 'success-rate',
    verdict: 'fail',
    baseline: 0.999,
    canary: 0.95,
    pValue: 0.0001,
    detail: 'errors 5.00 % (canary) vs 0.10 % (baseline)',
  },
  {
    name: 'latency-p99',
    verdict: 'pass',
    baseline: 80,
    canary: 40,
    pValue: 1,
    detail: 'p99 40 ms (canary) vs 80 ms (baseline)',
  },
  {
    name: 'detector-latency',
    verdict: 'inconclusive',
    baseline: null,
    canary: null,
    detail: 'still learning',
  },
];

describe('analysis values', () => {
  it('formats each check in its unit', () => {
    expect(formatCheckValue('success-rate', 0.9985)).toBe('99.85 %');
    expect(formatCheckValue('detector-errors', 0.012)).toBe('1.20 %');
    expect(formatCheckValue('latency-p99', 74.5)).toBe('74.5 ms');
    expect(formatCheckValue('requests', 1200)).toBe('1200');
    expect(formatCheckValue('latency-p99', null)).toBe('–');
    expect(checkLabel('detector-errors')).toBe('Error ratio (detector)');
    expect(checkLabel('something-new')).toBe('something-new');
  });
});

describe('<AnalysisChart>', () => {
  it('draws each pair scaled to its larger value, coloured by verdict, and describes it in words', () => {
    const { container } = render(<AnalysisChart checks={checks} title="Analysis" />);
    const bars = Array.from(container.querySelectorAll('rect'));
    const widths = bars.map((b) => Number(b.getAttribute('width')));
    // latency: baseline 80 fills the bar space, canary 40 half of it; no data draws nothing.
    expect(widths[2]).toBeCloseTo(widths[3]! * 2);
    expect(widths[2]).toBe(widths[0]);
    expect(widths.slice(4)).toEqual([0, 0]);
    expect(bars[1]!.getAttribute('class')).toContain('analysis-bar-bad');
    expect(screen.getByRole('img').getAttribute('aria-label')).toBe(
      'Analysis: Success rate canary 95.00 %, baseline 99.90 %, fail; Latency p99 canary 40 ms, baseline 80 ms, pass; Latency p95 (detector) canary –, baseline –, inconclusive',
    );
  });
});
