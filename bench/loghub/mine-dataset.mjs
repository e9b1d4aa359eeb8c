// Mines one Loghub data set with its settings.json format and masks; returns the final template of each line.
import { compileLogFormat } from '../../packages/aiops/dist/logs/log-format.js';
import { TemplateMiner } from '../../packages/aiops/dist/logs/template-miner.js';

/**
 * Every line is mined in file order (a line the format does not fit is mined whole). The template reported
 * for a line is the one its id has at the end, after later merges, as logparser's benchmark reports Drain's.
 */
export function mineDataset(lines, settings, options = {}) {
  const parse = compileLogFormat(settings.logFormat);
  const miner = new TemplateMiner({ masks: settings.regex, ...options });
  const ids = lines.map((line) => miner.mine(parse(line)?.content ?? line.trim()).templateId);
  const templates = ids.map((id) => miner.template(id)?.template ?? '');
  const labels = ids.map((id) => miner.resolveId(id) ?? id);
  return { templates, labels, stats: miner.stats() };
}
