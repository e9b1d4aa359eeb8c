import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '@opsloop/telemetry';
import { increaseBetween, isServerError, servedSince, trafficSampleOf } from './traffic-sample.js';

const scrape = (ok: number, failed: number, start = 100) =>
  parsePrometheusText(
    [
      '# TYPE process_start_time_seconds gauge',
      `process_start_time_seconds ${start}`,
      '# TYPE http_server_request_duration_seconds histogram',
      `http_server_request_duration_seconds_bucket{route="/a",status="200",le="0.1"} ${ok}`,
      `http_server_request_duration_seconds_bucket{route="/a",status="200",le="+Inf"} ${ok}`,
      `http_server_request_duration_seconds_count{route="/a",status="200"} ${ok}`,
      `http_server_request_duration_seconds_sum{route="/a",status="200"} 1`,
      `http_server_request_duration_seconds_bucket{route="/a",status="503",le="0.1"} 0`,
      `http_server_request_duration_seconds_bucket{route="/a",status="503",le="+Inf"} ${failed}`,
      `http_server_request_duration_seconds_count{route="/a",status="503"} ${failed}`,
      '# TYPE rpc_server_duration_seconds histogram',
      `rpc_server_duration_seconds_bucket{method="m",code="INTERNAL",le="+Inf"} 2`,
      `rpc_server_duration_seconds_count{method="m",code="INTERNAL"} 2`,
      `rpc_server_duration_seconds_count{method="m",code="NOT_FOUND"} 3`,
      '',
    ].join('\n'),
  );

describe('traffic samples', () => {
  it('sums requests, server errors and buckets over HTTP and gRPC histograms', () => {
    const s = trafficSampleOf(scrape(10, 4));
    expect(s.requests).toBe(10 + 4 + 2 + 3);
    expect(s.errors).toBe(4 + 2);
    expect(s.buckets.get(0.1)).toBe(10);
    expect(s.buckets.get(Infinity)).toBe(10 + 4 + 2);
    expect(s.startTimeSeconds).toBe(100);
  });

  it('classifies server errors', () => {
    expect(isServerError({ status: '500' })).toBe(true);
    expect(isServerError({ status: '404' })).toBe(false);
    expect(isServerError({ code: 'UNAVAILABLE' })).toBe(true);
    expect(isServerError({ code: 'NOT_FOUND' })).toBe(false);
    expect(isServerError({ code: '14' })).toBe(true);
    expect(isServerError({})).toBe(false);
  });

  it('takes increases, and everything after a restart', () => {
    const before = trafficSampleOf(scrape(10, 1));
    expect(increaseBetween(before, trafficSampleOf(scrape(30, 2))).requests).toBe(21);
    expect(increaseBetween(before, trafficSampleOf(scrape(30, 2))).errors).toBe(1);
    // Restarted with counters already past the old ones: the start time tells.
    expect(increaseBetween(before, trafficSampleOf(scrape(40, 3, 200))).requests).toBe(40 + 3 + 5);
  });

  it('sums what each replica served since the start, new replicas from zero', () => {
    const start = new Map([['web-1', trafficSampleOf(scrape(10, 0))]]);
    const now = new Map([
      ['web-1', trafficSampleOf(scrape(15, 0))],
      ['web-2', trafficSampleOf(scrape(7, 1))],
    ]);
    const served = servedSince(start, now);
    expect(served.requests).toBe(5 + (7 + 1 + 5));
    expect(served.errors).toBe(1 + 2);
  });
});
