import { describe, expect, it } from 'vitest';
import { prefersOpenMetrics } from './metrics-format.js';

describe('prefersOpenMetrics', () => {
  it.each([
    // Prometheus 2.x and 3.x scrape headers.
    [
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      true,
    ],
    [
      'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1',
      true,
    ],
    ['application/openmetrics-text', true],
    [undefined, false],
    ['', false],
    ['*/*', false],
    ['text/plain;version=0.0.4;q=1,*/*;q=0.1', false],
    ['text/plain, application/openmetrics-text', false],
    ['application/openmetrics-text;q=0, text/plain;q=0.1', false],
    ['application/openmetrics-text;version=2.0.0', false],
    ['application/json', false],
  ])('%s → %s', (accept, expected) => {
    expect(prefersOpenMetrics(accept)).toBe(expected);
  });
});
