// Runs the reference scorer (nabscore.py) and compares its JSON with the TypeScript scorer's report.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'vitest';
import { resolveNabRoot } from '../nab-root.js';
import type { NabReport } from '../nab-score.js';

/** nabscore.py's --json output. */
export interface ReferenceReport {
  detector: string;
  n_files: number;
  n_windows: number;
  profiles: Record<
    string,
    {
      threshold: number;
      raw: number;
      null_raw: number;
      perfect_raw: number;
      normalized: number;
      tp_points: number;
      tn_points: number;
      fp_points: number;
      fn_points: number;
      windows_detected: number;
      windows_scored: number;
    }
  >;
}

/** nabscore.py: env NABSCORE, else shared/tools next to the corpus (shared/datasets/nab). */
export const NABSCORE = process.env['NABSCORE'] ?? resolve(resolveNabRoot(), '../../tools/nabscore.py');

/** Whether python3 and nabscore.py can run here. */
export const referenceAvailable =
  existsSync(NABSCORE) && spawnSync('python3', ['--version'], { encoding: 'utf8' }).status === 0;

/** `python3 nabscore.py <args> --json`, parsed. */
export function runReference(args: readonly string[]): ReferenceReport {
  const run = spawnSync('python3', [NABSCORE, ...args, '--json'], { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`nabscore.py failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as ReferenceReport;
}

/** The reports agree: same thresholds and counts, scores within 1e-9. */
export function expectSameReport(ours: NabReport, reference: ReferenceReport): void {
  expect(ours.fileCount).toBe(reference.n_files);
  expect(ours.windowCount).toBe(reference.n_windows);
  expect(Object.keys(ours.profiles)).toEqual(Object.keys(reference.profiles));
  for (const [name, ref] of Object.entries(reference.profiles)) {
    const got = ours.profiles[name]!;
    expect({ profile: name, threshold: got.threshold }).toEqual({ profile: name, threshold: ref.threshold });
    expect([got.tpPoints, got.tnPoints, got.fpPoints, got.fnPoints]).toEqual([
      ref.tp_points,
      ref.tn_points,
      ref.fp_points,
      ref.fn_points,
    ]);
    expect([got.windowsDetected, got.windowsScored]).toEqual([ref.windows_detected, ref.windows_scored]);
    for (const [a, b] of [
      [got.raw, ref.raw],
      [got.nullRaw, ref.null_raw],
      [got.perfectRaw, ref.perfect_raw],
      [got.normalized, ref.normalized],
    ] as const) {
      expect(Math.abs(a - b), `${name}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-9);
    }
  }
}
