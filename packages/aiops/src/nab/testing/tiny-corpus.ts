// Writes a small random NAB-layout corpus (data, labels, profiles) and matching results files, from a seed:
// ties in the scores, windows near file edges and inside probation, several windows per file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSeededRandom } from '@opsloop/kit';

const stamp = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** Writes `<root>/{data,labels,config}` and `<root>/results/<detector>/...`; returns the results folder. */
export function writeTinyCorpus(root: string, seed: number, detector: string): string {
  const random = createSeededRandom(seed);
  const labels: Record<string, [string, string][]> = {};
  const results = join(root, 'results', detector);
  const files = 2 + Math.floor(random() * 4);
  for (let f = 0; f < files; f += 1) {
    const category = `cat${f % 2}`;
    const name = `series_${f}.csv`;
    const rows = 20 + Math.floor(random() * 300);
    const start = Date.UTC(2020, 0, 1) + f * 86_400_000;
    const times = Array.from({ length: rows }, (_, i) => stamp(start + i * 300_000));
    const windows: [string, string][] = [];
    let at = Math.floor(random() * rows * 0.3);
    while (at < rows - 2 && random() < 0.8) {
      const width = 2 + Math.floor(random() * Math.max(1, rows / 10));
      const right = Math.min(rows - 1, at + width - 1);
      windows.push([`${times[at]!}.000000`, `${times[right]!}.000000`]);
      at = right + 2 + Math.floor(random() * rows * 0.4);
    }
    labels[`${category}/${name}`] = windows;
    mkdirSync(join(root, 'data', category), { recursive: true });
    mkdirSync(join(results, category), { recursive: true });
    writeFileSync(
      join(root, 'data', category, name),
      `timestamp,value\n${times.map((t, i) => `${t},${i % 7}`).join('\n')}\n`,
    );
    // Coarse scores (many ties) with a few fine ones.
    const scores = times.map(() => (random() < 0.9 ? Math.floor(random() * 8) / 8 : random()));
    writeFileSync(
      join(results, category, `${detector}_${name}`),
      `timestamp,anomaly_score\n${times.map((t, i) => `${t},${scores[i]!}`).join('\n')}\n`,
    );
  }
  mkdirSync(join(root, 'labels'), { recursive: true });
  writeFileSync(join(root, 'labels', 'combined_windows.json'), JSON.stringify(labels));
  mkdirSync(join(root, 'config'), { recursive: true });
  const cost = (fp: number, fn: number) => ({
    CostMatrix: { tpWeight: 1.0, fnWeight: fn, fpWeight: fp, tnWeight: 1.0 },
  });
  writeFileSync(
    join(root, 'config', 'profiles.json'),
    JSON.stringify({
      custom_first: cost(0.05, 0.5),
      reward_low_FN_rate: cost(0.11, 2.0),
      standard: cost(0.11, 1.0),
      reward_low_FP_rate: cost(0.22, 1.0),
    }),
  );
  return results;
}
