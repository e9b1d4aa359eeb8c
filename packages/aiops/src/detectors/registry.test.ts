import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DETECTOR,
  DETECTORS,
  UnknownDetectorError,
  defaultDetector,
  detectorByName,
} from './registry.js';

describe('detector registry', () => {
  it('has unique names and finds each detector by name', () => {
    const names = DETECTORS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    for (const d of DETECTORS) expect(detectorByName(d.name)).toBe(d);
    expect(names).toContain('windowed-gaussian');
  });
  it('names the known detectors when asked for an unknown one', () => {
    expect(() => detectorByName('nope')).toThrow(UnknownDetectorError);
    expect(() => detectorByName('nope')).toThrow(/known: .*windowed-gaussian/);
  });
});

describe('detector names and the default', () => {
  it('names every detector in kebab case (results folders, snapshots, --detector)', () => {
    for (const d of DETECTORS) expect(d.name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
  });
  it('defaults to the ensemble', () => {
    expect(defaultDetector().name).toBe(DEFAULT_DETECTOR);
    expect(DEFAULT_DETECTOR).toBe('opsloop');
    expect(defaultDetector([DETECTORS.at(-1)!]).name).toBe(DETECTORS.at(-1)!.name);
  });
});
