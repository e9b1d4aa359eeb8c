// The Loghub-2k reader and the miner on two data sets; skipped when the data is not on this machine.
import { beforeAll, describe, expect, it } from 'vitest';
import { compileLogFormat } from '../log-format.js';
import { templateAccuracy } from '../template-accuracy.js';
import { TemplateMiner } from '../template-miner.js';
import { csvField, parseCsv } from './csv.js';
import {
  LoghubDataError,
  loadLoghubLines,
  loadLoghubSettings,
  loadLoghubTruth,
  resolveLoghubRoot,
} from './loghub-data.js';

describe('csv', () => {
  it('reads quoted fields, doubled quotes and CRLF, and writes fields back', () => {
    expect(parseCsv('\ufeffA,B\r\n1,"x, ""y"""\n2,\n')).toEqual([
      ['A', 'B'],
      ['1', 'x, "y"'],
      ['2', ''],
    ]);
    expect(csvField('a "b", c')).toBe('"a ""b"", c"');
    expect(csvField('plain')).toBe('plain');
  });
});

describe('resolveLoghubRoot', () => {
  it('fails with one clear line when the folder has no settings.json', () => {
    expect(() => resolveLoghubRoot({ LOGHUB_ROOT: '/nonexistent/loghub' })).toThrow(LoghubDataError);
    expect(() => resolveLoghubRoot({ LOGHUB_ROOT: '/nonexistent/loghub' })).toThrow(/LOGHUB_ROOT/);
  });
});

describe('Loghub-2k', () => {
  let root: string | undefined;
  beforeAll(() => {
    try {
      root = resolveLoghubRoot();
    } catch {
      root = undefined;
    }
  });

  it.for(['HDFS', 'Apache'])(
    'mines %s with its settings into the corrected ground truth',
    (name, context) => {
      if (root === undefined) return context.skip();
      const settings = loadLoghubSettings(root).get(name);
      if (settings === undefined) throw new Error(`no settings for ${name}`);
      const lines = loadLoghubLines(root, name);
      const truth = loadLoghubTruth(root, name);
      expect(lines).toHaveLength(2000);
      expect(truth).toHaveLength(2000);
      const parse = compileLogFormat(settings.logFormat);
      const miner = new TemplateMiner({ masks: settings.regex });
      const ids = lines.map((line) => miner.mine(parse(line)?.content ?? line).templateId);
      const templates = ids.map((id) => miner.template(id)?.template ?? '');
      const score = templateAccuracy(truth, templates);
      expect(score.ga).toBeGreaterThan(0.95);
      expect(score.pa).toBeGreaterThan(0.95);
    },
  );
});
