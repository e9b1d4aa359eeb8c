import type { AnalysisCheck, RolloutVerdict as Verdict } from '@opsloop/contracts';
import { formatNumber, formatPercent } from './format.js';
import './analysis-chart.css';

const LABELS: Record<string, string> = {
  requests: 'Requests served',
  'success-rate': 'Success rate',
  'latency-p99': 'Latency p99',
  'detector-errors': 'Error ratio (detector)',
  'detector-latency': 'Latency p95 (detector)',
};

/** What a check measures, in words. */
export function checkLabel(name: string): string {
  return LABELS[name] ?? name;
}

/**
 * A check's value in its unit: the runtime sends success rates and the detectors' error ratio as ratios,
 * latencies in ms, the request check as counts.
 */
export function formatCheckValue(name: string, value: number | null): string {
  if (value === null) return '–';
  if (name === 'success-rate' || name === 'detector-errors') return formatPercent(value, 2);
  if (name.includes('latency')) return `${formatNumber(value, 1)} ms`;
  return formatNumber(value);
}

export const VERDICT_TONE: Record<Verdict, 'ok' | 'bad' | 'warn'> = {
  pass: 'ok',
  fail: 'bad',
  inconclusive: 'warn',
};

const WIDTH = 420;
const LABEL_WIDTH = 150;
const VALUE_WIDTH = 80;
const BAR = 10;
const ROW = 2 * BAR + 14;

/**
 * Canary vs baseline per check as pairs of bars. Checks have different units, so each pair is scaled to its
 * own larger value: the chart shows which side is worse and by how much, the numbers are in the labels (and
 * in the table next to it, which is what screen readers get).
 */
export function AnalysisChart(props: { checks: AnalysisCheck[]; title: string }) {
  const checks = props.checks;
  const barSpace = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const height = checks.length * ROW + 6;
  return (
    <figure className="analysis-chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        width="100%"
        role="img"
        aria-label={`${props.title}: ${checks
          .map(
            (c) =>
              `${checkLabel(c.name)} canary ${formatCheckValue(c.name, c.canary)}, baseline ${formatCheckValue(c.name, c.baseline)}, ${c.verdict}`,
          )
          .join('; ')}`}
      >
        {checks.map((check, index) => {
          const top = index * ROW + 4;
          const scale = Math.max(Math.abs(check.baseline ?? 0), Math.abs(check.canary ?? 0));
          const length = (value: number | null) =>
            value === null || scale === 0 ? 0 : Math.max(1, (Math.abs(value) / scale) * barSpace);
          return (
            <g key={`${check.name}-${index}`}>
              <text x={0} y={top + BAR + 3} className="analysis-chart-label">
                {checkLabel(check.name)}
              </text>
              <rect
                x={LABEL_WIDTH}
                y={top}
                width={length(check.baseline)}
                height={BAR}
                className="analysis-bar-baseline"
              />
              <text x={LABEL_WIDTH + barSpace + 6} y={top + BAR - 1} className="analysis-chart-value">
                {formatCheckValue(check.name, check.baseline)}
              </text>
              <rect
                x={LABEL_WIDTH}
                y={top + BAR + 2}
                width={length(check.canary)}
                height={BAR}
                className={`analysis-bar-canary analysis-bar-${VERDICT_TONE[check.verdict]}`}
              />
              <text x={LABEL_WIDTH + barSpace + 6} y={top + 2 * BAR + 1} className="analysis-chart-value">
                {formatCheckValue(check.name, check.canary)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="analysis-legend">
        <span className="analysis-key analysis-key-baseline" aria-hidden="true" /> baseline (stable){' '}
        <span className="analysis-key analysis-key-canary" aria-hidden="true" /> canary (coloured by verdict)
      </figcaption>
    </figure>
  );
}
