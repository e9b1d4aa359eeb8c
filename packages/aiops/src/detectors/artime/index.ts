// ARTime (Mark Hampton, ARTimeNAB.jl): adaptive resonance theory over downsampled, wavelet-encoded windows.
import type { DetectorContext, DetectorFactory } from '../detector.js';
import { ARTIME_NAME, ArtimeDetector, initialState, stateFromSnapshot } from './artime-detector.js';
import { scheduleFor } from './schedule.js';
import { knownRange } from './series-range.js';

/**
 * What ARTime can use beyond the port's context: NAB tells every detector the series' probation period,
 * which the original derives all its timing from (15% of the length, up to 750 rows). The port does not
 * carry it yet; a context that has `seriesLength` is honoured, so the port can add it without changes here.
 */
export interface ArtimeContext extends DetectorContext {
  readonly seriesLength?: number;
}

export interface ArtimeOptions {
  /** The series' length for every detector this factory creates (when the context does not give one). */
  readonly seriesLength?: number;
}

export function createArtimeFactory(options: ArtimeOptions = {}): DetectorFactory {
  return {
    name: ARTIME_NAME,
    create: (context?: ArtimeContext) => {
      const length = validLength(context?.seriesLength) ?? validLength(options.seriesLength);
      const range = knownRange(context?.inputMin, context?.inputMax);
      return new ArtimeDetector(initialState(scheduleFor(length), range));
    },
    restore: (snapshot) => new ArtimeDetector(stateFromSnapshot(snapshot)),
  };
}

function validLength(length: number | undefined): number | undefined {
  return length !== undefined && Number.isFinite(length) && length > 0 ? Math.floor(length) : undefined;
}

export const artimeDetector: DetectorFactory = createArtimeFactory();
