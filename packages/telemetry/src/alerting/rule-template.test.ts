import { describe, expect, it } from 'vitest';
import {
  goFormatFloat,
  goFormatG,
  humanize,
  humanize1024,
  humanizeDuration,
  humanizePercentage,
} from './go-format.js';
import { TemplateError, expandTemplate, expandTemplateOrError } from './rule-template.js';

const data = {
  labels: { service: 'checkout', slo: 'checkout-availability', severity: 'page' },
  value: 0.0723,
  externalLabels: { cluster: 'prod-eu' },
  externalURL: 'http://prometheus:9090',
};

describe('Go number formatting (what Prometheus templates print)', () => {
  it('prints %v like Go: exponent below 1e-4 and from 1e6', () => {
    expect(goFormatFloat(0.1)).toBe('0.1');
    expect(goFormatFloat(123456)).toBe('123456');
    expect(goFormatFloat(1234567)).toBe('1.234567e+06');
    expect(goFormatFloat(0.0001)).toBe('0.0001');
    expect(goFormatFloat(0.00001)).toBe('1e-05');
    expect(goFormatFloat(NaN)).toBe('NaN');
    expect(goFormatFloat(-Infinity)).toBe('-Inf');
  });

  it('prints %.4g like Go', () => {
    expect(goFormatG(7.23, 4)).toBe('7.23');
    expect(goFormatG(12346, 4)).toBe('1.235e+04');
    expect(goFormatG(0.00012345, 4)).toBe('0.0001234');
    expect(goFormatG(0.000012345, 4)).toBe('1.234e-05');
    expect(goFormatG(100, 4)).toBe('100');
  });

  it('humanizes as Prometheus does', () => {
    expect(humanize(1234567)).toBe('1.235M');
    expect(humanize(0.0012)).toBe('1.2m');
    expect(humanize(0)).toBe('0');
    expect(humanize1024(2048)).toBe('2ki');
    expect(humanizePercentage(0.0723)).toBe('7.23%');
    expect(humanizeDuration(90_061)).toBe('1d 1h 1m 1s');
    expect(humanizeDuration(3_725)).toBe('1h 2m 5s');
    expect(humanizeDuration(1.5)).toBe('1.5s');
    expect(humanizeDuration(0.25)).toBe('250ms');
  });
});

describe('expandTemplate', () => {
  it('expands labels, value and pipelines', () => {
    expect(expandTemplate('{{ $labels.service }}: SLO {{ $labels.slo }} at {{ $value }}', data)).toBe(
      'checkout: SLO checkout-availability at 0.0723',
    );
    expect(expandTemplate('{{ $value | humanizePercentage }}', data)).toBe('7.23%');
    expect(expandTemplate('{{ humanizePercentage $value }}', data)).toBe('7.23%');
    expect(expandTemplate('{{ printf "%.2f" $value }} / {{ $value | printf "%.1f" }}', data)).toBe(
      '0.07 / 0.1',
    );
    expect(expandTemplate('{{ $labels.service | toUpper }} in {{ $externalLabels.cluster }}', data)).toBe(
      'CHECKOUT in prod-eu',
    );
    expect(expandTemplate('{{ .Labels.severity }} {{ index $labels "slo" }} {{ $externalURL }}', data)).toBe(
      'page checkout-availability http://prometheus:9090',
    );
  });

  it('prints a missing label as empty (missingkey=zero) and trims around {{- -}}', () => {
    expect(expandTemplate('[{{ $labels.nope }}]', data)).toBe('[]');
    expect(expandTemplate('a   {{- $labels.service -}}   b', data)).toBe('acheckoutb');
    expect(expandTemplate('no actions', data)).toBe('no actions');
  });

  it('refuses what it cannot do, and the safe variant reports it as Prometheus does', () => {
    expect(() => expandTemplate('{{ if $value }}x{{ end }}', data)).toThrow(TemplateError);
    expect(() => expandTemplate('{{ nosuchfn $value }}', data)).toThrow('function "nosuchfn" not defined');
    expect(() => expandTemplate('{{ $labels.service', data)).toThrow('unclosed action');
    expect(() => expandTemplate('{{ $nope }}', data)).toThrow(TemplateError);
    expect(expandTemplateOrError('{{ $nope }}', data)).toMatch(/^<error expanding template: /);
  });
});
