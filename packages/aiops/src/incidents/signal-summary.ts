/** One line per signal for timelines: `checkout errors up: 42 % (expected 0 %)`. */
import { formatSignalValue } from '../live/signal-value.js';
import type { Signal } from './signal.js';

function unitOf(signal: string, unit: string | undefined): string {
  if (unit !== undefined) return unit;
  if (/error/.test(signal)) return 'ratio';
  if (/latency/.test(signal)) return 'seconds';
  return '';
}

/** A short human summary of `signal`. */
export function signalSummary(signal: Signal): string {
  switch (signal.type) {
    case 'anomaly': {
      const a = signal.anomaly;
      const unit = unitOf(a.signal, a.unit);
      if (a.state === 'resolved') return `${a.service} ${a.signal} back to normal`;
      return (
        `${a.service} ${a.signal} ${a.direction === 'above' ? 'up' : 'down'}: ` +
        `${formatSignalValue(a.value, unit)} (expected ${formatSignalValue(a.expected, unit)})`
      );
    }
    case 'log': {
      const e = signal.event;
      if (e.kind === 'new-template') return `${e.service} new ${e.level} log: ${e.template}`;
      const top = e.topTemplates[0];
      return `${e.service} error burst: ${e.errors}/min` + (top === undefined ? '' : ` (${top.template})`);
    }
    case 'alert': {
      const service = signal.alert.labels['service'];
      const where = service === undefined ? '' : ` ${service}`;
      return (
        `alert ${signal.alert.name}${where} ${signal.alert.state}` +
        (signal.alert.summary === undefined ? '' : `: ${signal.alert.summary}`)
      );
    }
    case 'change':
      return (
        `${signal.change}${signal.service === undefined ? '' : ` ${signal.service}`}` +
        `${signal.flag === undefined ? '' : ` flag ${signal.flag}`}: ${signal.detail}` +
        (signal.origin === undefined ? '' : ` (by ${signal.origin})`)
      );
  }
}
