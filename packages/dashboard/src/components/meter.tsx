import './meter.css';

export type MeterTone = 'accent' | 'ok' | 'warn' | 'bad';

/**
 * A share from 0 to 1 as a filled bar, clamped (an overspent budget shows empty, not negative). Hidden from
 * screen readers: it only repeats the figure written beside it.
 */
export function Meter(props: { value: number; tone?: MeterTone }) {
  const tone = props.tone ?? 'accent';
  return (
    <span className={tone === 'accent' ? 'meter' : `meter meter-${tone}`} aria-hidden="true">
      <span style={{ width: `${Math.max(0, Math.min(1, props.value)) * 100}%` }} />
    </span>
  );
}
