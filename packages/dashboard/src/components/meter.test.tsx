// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Meter } from './meter.js';

afterEach(cleanup);

const fill = (container: HTMLElement) =>
  (container.querySelector('.meter > span') as HTMLElement).style.width;

describe('<Meter>', () => {
  it('fills its share, clamped to 0..1, in its tone, hidden from screen readers', () => {
    const half = render(<Meter value={0.25} />).container;
    expect(fill(half)).toBe('25%');
    expect(half.firstElementChild?.className).toBe('meter');
    expect(half.firstElementChild?.getAttribute('aria-hidden')).toBe('true');
    cleanup();
    const overspent = render(<Meter value={-0.25} tone="bad" />).container;
    expect(fill(overspent)).toBe('0%');
    expect(overspent.firstElementChild?.className).toBe('meter meter-bad');
    cleanup();
    expect(fill(render(<Meter value={3} tone="ok" />).container)).toBe('100%');
  });
});
