/** One service's symptoms summed up: how strongly and from when it fails, takes more load or loses it. */
import type { Symptom } from './symptoms.js';

/** The summary of a service's symptoms. */
export interface ServiceProfile {
  readonly service: string;
  readonly symptoms: readonly Symptom[];
  /** Strongest symptom of any kind. */
  readonly own: number;
  /** Strongest failure symptom (errors, latency, saturation, logs up; down) and its earliest onset. */
  readonly failure: number;
  readonly failureOnsetMs: number;
  /** Traffic up: strength and onset. */
  readonly trafficUp: number;
  readonly trafficUpOnsetMs: number;
  /** Traffic down. */
  readonly trafficDown: number;
  readonly trafficDownOnsetMs: number;
  /** Earliest onset of any symptom. */
  readonly onsetMs: number;
}

/** Profiles of every service with symptoms. */
export function profiles(symptoms: readonly Symptom[]): Map<string, ServiceProfile> {
  const by = new Map<string, Symptom[]>();
  for (const s of symptoms) {
    const list = by.get(s.service) ?? [];
    list.push(s);
    by.set(s.service, list);
  }
  const out = new Map<string, ServiceProfile>();
  for (const [service, list] of by) {
    let own = 0;
    let failure = 0;
    let failureOnsetMs = Infinity;
    let trafficUp = 0;
    let trafficUpOnsetMs = Infinity;
    let trafficDown = 0;
    let trafficDownOnsetMs = Infinity;
    let onsetMs = Infinity;
    for (const s of list) {
      own = Math.max(own, s.strength);
      onsetMs = Math.min(onsetMs, s.onsetMs);
      if (s.family === 'traffic') {
        if (s.direction === 'above') {
          trafficUp = Math.max(trafficUp, s.strength);
          trafficUpOnsetMs = Math.min(trafficUpOnsetMs, s.onsetMs);
        } else {
          trafficDown = Math.max(trafficDown, s.strength);
          trafficDownOnsetMs = Math.min(trafficDownOnsetMs, s.onsetMs);
        }
      } else if (s.direction === 'above') {
        failure = Math.max(failure, s.strength);
        failureOnsetMs = Math.min(failureOnsetMs, s.onsetMs);
      }
    }
    out.set(service, {
      service,
      symptoms: list,
      own,
      failure,
      failureOnsetMs,
      trafficUp,
      trafficUpOnsetMs,
      trafficDown,
      trafficDownOnsetMs,
      onsetMs,
    });
  }
  return out;
}
