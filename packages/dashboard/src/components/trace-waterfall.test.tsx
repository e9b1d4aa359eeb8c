// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { SpanJson } from '../api/service-types.js';
import { TraceWaterfall } from './trace-waterfall.js';

afterEach(cleanup);

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
function span(
  spanId: string,
  name: string,
  service: string,
  startMs: number,
  durationMs: number,
  extra: Partial<SpanJson> = {},
): SpanJson {
  return {
    traceId: TRACE,
    spanId,
    name,
    kind: 'server',
    service,
    startMs,
    durationMs,
    status: { code: 'unset' },
    attributes: {},
    ...extra,
  };
}

describe('<TraceWaterfall>', () => {
  it('nests spans under their parents, as focusable rows with bars placed by offset and duration', () => {
    render(
      <TraceWaterfall
        traceId={TRACE}
        spans={[
          span('b', 'GET /cart', 'cart', 1_700_000_000_010, 40, { parentSpanId: 'a' }),
          span('a', 'POST /checkout', 'frontend', 1_700_000_000_000, 100),
          span('c', 'redis GET', 'cart', 1_700_000_000_020, 5, {
            parentSpanId: 'b',
            status: { code: 'error', message: 'timeout' },
          }),
        ]}
      />,
    );
    const rows = within(screen.getByRole('list', { name: `Spans of trace ${TRACE}` })).getAllByRole(
      'listitem',
    );
    expect(rows.map((r) => r.getAttribute('aria-label'))).toEqual([
      'frontend POST /checkout, starts at 0 ms, takes 100 ms',
      'cart GET /cart, starts at 10 ms, takes 40 ms',
      'cart redis GET, starts at 20 ms, takes 5 ms, error: timeout',
    ]);
    expect(rows.every((r) => r.tabIndex === 0)).toBe(true);
    const bar = rows[1]?.querySelector<HTMLElement>('.waterfall-bar');
    expect(bar?.style.left).toBe('10%');
    expect(bar?.style.width).toBe('40%');
    expect((rows[1]?.querySelector('.waterfall-label') as HTMLElement).style.paddingLeft).toBe('14px');
    expect(within(rows[2] as HTMLElement).getByText('error: timeout')).toBeTruthy();
    expect(screen.getByText(/3 spans · 2 services · 100 ms · 1 error span/)).toBeTruthy();
  });

  it('labels orphans and clock skew in words, and copes with an empty trace', () => {
    const { rerender } = render(
      <TraceWaterfall
        traceId={TRACE}
        spans={[
          span('a', 'root', 'frontend', 0, 10),
          span('x', 'late child', 'cart', 5, 20, { parentSpanId: 'a' }),
          span('o', 'lost', 'cart', 2, 1, { parentSpanId: 'missing' }),
        ]}
      />,
    );
    expect(screen.getByText('outside its parent (clock skew?)')).toBeTruthy();
    expect(screen.getByText('parent span missing')).toBeTruthy();
    rerender(<TraceWaterfall traceId={TRACE} spans={[]} />);
    expect(screen.getByText('This trace has no spans.')).toBeTruthy();
  });
});
