import { describe, expect, it } from 'vitest';
import { formatBytes, parseCpuQuantity, parseMemoryQuantity } from './quantity.js';

describe('Kubernetes quantities', () => {
  it.each<[string | number, number | undefined]>([
    ['256Mi', 256 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['512Ki', 512 * 1024],
    ['1G', 1e9],
    ['100M', 1e8],
    ['1k', 1000],
    [1048576, 1048576],
    ['1048576', 1048576],
    ['', undefined],
    ['256MB', undefined],
    ['-1Mi', undefined],
    ['Mi', undefined],
    ['1 Gi', undefined],
  ])('memory %j → %j bytes', (input, bytes) => {
    expect(parseMemoryQuantity(input)).toBe(bytes);
  });

  it.each<[string | number, number | undefined]>([
    ['500m', 0.5],
    ['2', 2],
    [1.5, 1.5],
    ['250m', 0.25],
    ['1core', undefined],
    ['-1', undefined],
    ['m', undefined],
  ])('cpu %j → %j cores', (input, cores) => {
    expect(parseCpuQuantity(input)).toBe(cores);
  });

  it('formats byte counts for messages', () => {
    expect(formatBytes(100 * 2 ** 20)).toBe('100 MiB');
    expect(formatBytes(3 * 2 ** 30)).toBe('3.0 GiB');
    expect(formatBytes(2048)).toBe('2 KiB');
    expect(formatBytes(12)).toBe('12 B');
  });
});
