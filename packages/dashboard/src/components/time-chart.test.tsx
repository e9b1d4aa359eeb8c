// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/problem.js';
import { TimeChart } from './time-chart.js';

afterEach(cleanup);

describe('<TimeChart> without a canvas (jsdom)', () => {
  it('renders its title, a legend with the latest values, and the markers in range as a list', () => {
    render(
      <TimeChart
        title="Latency (HTTP)"
        unit="seconds"
        from={100}
        to={200}
        series={[
          {
            label: 'Latency p50',
            points: [
              [110, 0.02],
              [120, 0.03],
            ],
          },
          {
            label: 'Latency p99',
            points: [
              [110, 0.4],
              [120, null],
            ],
          },
        ]}
        markers={[
          { at: 150, kind: 'deploy', label: 'cart: updated (image)' },
          { at: 50, kind: 'scale', label: 'before the range' },
        ]}
      />,
    );
    expect(screen.getByRole('heading', { name: 'Latency (HTTP)' })).toBeTruthy();
    const legend = screen.getByRole('list', { name: 'Latency (HTTP) legend' });
    expect(within(legend).getByText('Latency p50').nextSibling?.textContent).toBe('30 ms');
    expect(within(legend).getByText('Latency p99').nextSibling?.textContent).toBe('400 ms');
    expect(screen.getByRole('img').getAttribute('aria-label')).toContain('Latency p50 30 ms');
    expect(screen.getByText('1 event marked on Latency (HTTP)')).toBeTruthy();
    expect(screen.getByText('cart: updated (image)')).toBeTruthy();
    expect(screen.queryByText('before the range')).toBeNull();
  });

  it('shows the overlay as a score and the band in the legend', () => {
    render(
      <TimeChart
        title="Traffic"
        unit="requests/s"
        series={[{ label: 'HTTP requests/s', points: [[1, 12]] }]}
        overlays={[{ label: 'anomaly score (traffic)', points: [[1, 0.91]] }]}
        band={{ label: 'expected band', low: [[1, 8]], high: [[1, 14]] }}
        note="Anomaly detection on traffic: learning"
      />,
    );
    expect(screen.getByText('anomaly score (traffic)').nextSibling?.textContent).toBe('score 0.91');
    expect(screen.getByText('expected band (high)').nextSibling?.textContent).toBe('14 requests/s');
    expect(screen.getByText('Anomaly detection on traffic: learning')).toBeTruthy();
  });

  it('says when there is no data, is loading, or failed', () => {
    const { rerender } = render(<TimeChart title="CPU" unit="cores" series={[]} loading />);
    expect(screen.getByRole('status').textContent).toBe('Loading CPU…');
    rerender(<TimeChart title="CPU" unit="cores" series={[{ label: 'CPU', points: [[1, null]] }]} />);
    expect(screen.getByText('No data for CPU in this range.')).toBeTruthy();
    expect(screen.queryByRole('img')).toBeNull();
    rerender(
      <TimeChart title="CPU" unit="cores" series={[]} error={new ApiError(400, 'x', 'parse error')} />,
    );
    expect(screen.getByRole('alert').textContent).toBe('CPU: parse error');
    expect(screen.queryByText('No data for CPU in this range.')).toBeNull();
  });
});

describe('<TimeChart> with a (fake) canvas', () => {
  // A 2D context that accepts every call: uPlot's drawing code runs, nothing is painted.
  const fakeContext = () => {
    const state: Record<string | symbol, unknown> = {};
    return new Proxy(state, {
      get: (target, name) => {
        if (name in target) return target[name];
        if (name === 'measureText') return () => ({ width: 10 });
        if (name === 'createLinearGradient' || name === 'createPattern') return () => ({ addColorStop() {} });
        return () => undefined;
      },
      set: (target, name, value) => {
        target[name] = value;
        return true;
      },
    });
  };

  const stubCanvas = () => {
    vi.stubGlobal(
      'matchMedia',
      vi.fn(() => ({
        matches: false,
        addEventListener() {},
        removeEventListener() {},
        addListener() {},
        removeListener() {},
      })),
    );
    vi.stubGlobal(
      'Path2D',
      class {
        moveTo() {}
        lineTo() {}
        rect() {}
        arc() {}
        closePath() {}
        addPath() {}
        bezierCurveTo() {}
      },
    );
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(
      () => fakeContext() as unknown as CanvasRenderingContext2D,
    );
  };

  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('draws with uPlot, follows new data, and destroys the plot on unmount', async () => {
    stubCanvas();
    const series = (value: number) => [
      {
        label: 'HTTP requests/s',
        points: [
          [100, 1],
          [115, value],
        ] as [number, number][],
      },
    ];
    // uPlot's destroy() stops listening to pixel-ratio changes: the trace a destroyed plot leaves.
    const removed = vi.spyOn(window, 'removeEventListener');
    const destroyed = () => removed.mock.calls.filter(([type]) => type === 'dppxchange').length;
    const { container, rerender, unmount } = render(
      <TimeChart
        title="Traffic"
        unit="requests/s"
        from={90}
        to={130}
        series={series(2)}
        markers={[{ at: 110, kind: 'deploy', label: 'cart: updated' }]}
        overlays={[{ label: 'anomaly score (traffic)', points: [[112, 0.5]] }]}
        band={{ label: 'expected band', low: [[112, 0.5]], high: [[112, 3]] }}
      />,
    );
    await waitFor(() => expect(container.querySelector('.uplot canvas')).not.toBeNull());
    rerender(<TimeChart title="Traffic" unit="requests/s" from={90} to={130} series={series(5)} />);
    await waitFor(() => expect(destroyed()).toBe(1));
    await waitFor(() => expect(container.querySelectorAll('.uplot')).toHaveLength(1));
    expect(screen.getByText('HTTP requests/s').nextSibling?.textContent).toBe('5 requests/s');
    unmount();
    expect(destroyed()).toBe(2);
  });

  it('zooms on a drag across the plot, and the reset button shows the range again', async () => {
    stubCanvas();
    vi.spyOn(Element.prototype, 'getBoundingClientRect').mockReturnValue({
      left: 0,
      top: 0,
      right: 600,
      bottom: 180,
      width: 600,
      height: 180,
      x: 0,
      y: 0,
      toJSON: () => ({}),
    });
    const { container } = render(
      <TimeChart
        title="Traffic"
        unit="requests/s"
        from={0}
        to={600}
        series={[
          {
            label: 'HTTP requests/s',
            points: [
              [0, 1],
              [300, 2],
              [600, 3],
            ],
          },
        ]}
      />,
    );
    await waitFor(() => expect(container.querySelector('.u-over')).not.toBeNull());
    expect(screen.queryByRole('button', { name: 'Reset zoom of Traffic' })).toBeNull();
    const over = container.querySelector('.u-over') as HTMLElement;
    fireEvent.mouseEnter(over, { clientX: 100, clientY: 50 });
    fireEvent.mouseDown(over, { clientX: 100, clientY: 50, button: 0 });
    fireEvent.mouseMove(over, { clientX: 300, clientY: 50 });
    fireEvent.mouseUp(document, { clientX: 300, clientY: 50, button: 0 });
    const reset = await screen.findByRole('button', { name: 'Reset zoom of Traffic' });
    fireEvent.click(reset);
    expect(screen.queryByRole('button', { name: 'Reset zoom of Traffic' })).toBeNull();
  });
});
