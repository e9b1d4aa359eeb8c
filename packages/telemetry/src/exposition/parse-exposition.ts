import { parseOpenMetricsText } from './openmetrics-text.js';
import { parsePrometheusText, type MetricFamily } from './prometheus-text.js';

/**
 * Parses a scraped page by its `Content-Type`, as Prometheus picks its parser: OpenMetrics for
 * `application/openmetrics-text`, the 0.0.4 text for anything else (missing and unknown types included).
 */
export function parseExposition(text: string, contentType: string | undefined): MetricFamily[] {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return mediaType === 'application/openmetrics-text'
    ? parseOpenMetricsText(text)
    : parsePrometheusText(text);
}
