// Throughput on one core: a 1 M-line log made by repeating the Loghub-2k lines of all data sets with every
// number (a digit run not glued to letters) replaced by a random number of the same length (new values, same
// shapes), mined by one miner per data set (its format and masks), on this thread. lines/s = lines / (CPU time
// of this process during the parse + mine calls), so that other work on the machine does not count.
import { compileLogFormat } from '../../packages/aiops/dist/logs/log-format.js';
import { TemplateMiner } from '../../packages/aiops/dist/logs/template-miner.js';
import { loadLoghubLines } from '../../packages/aiops/dist/logs/loghub/loghub-data.js';

/** A seeded generator (mulberry32), so that the log is the same on every run. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** New values for the numbers of a line; digits inside words (`tty2`, `IO80211Family`) are names and stay. */
function vary(line, next) {
  return line.replace(/(?<![A-Za-z0-9])\d+(?![A-Za-z0-9])/g, (digits) => {
    let s = String(1 + Math.floor(next() * 9));
    for (let i = 1; i < digits.length; i++) s += Math.floor(next() * 10);
    return s;
  });
}

export function measureThroughput(dataRoot, settings, names, total) {
  const next = random(42);
  const perSet = Math.ceil(total / names.length);
  let lines = 0;
  let ns = 0n;
  for (const name of names) {
    const source = loadLoghubLines(dataRoot, name);
    const log = [];
    for (let i = 0; i < perSet && lines + log.length < total; i++)
      log.push(vary(source[i % source.length], next));
    const parse = compileLogFormat(settings.get(name).logFormat);
    const miner = new TemplateMiner({ masks: settings.get(name).regex });
    const started = process.cpuUsage();
    for (const line of log) miner.mine(parse(line)?.content ?? line);
    const used = process.cpuUsage(started);
    ns += BigInt(used.user + used.system) * 1000n;
    lines += log.length;
  }
  const seconds = Number(ns) / 1e9;
  return { lines, seconds: Math.round(seconds * 1000) / 1000, linesPerSecond: Math.round(lines / seconds) };
}
