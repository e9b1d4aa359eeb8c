// Re-scores results folders with the reference scorer (nabscore.py) and compares with our scorer's numbers.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const PROFILES = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'];

/** nabscore.py: env NABSCORE, else shared/tools next to the corpus; undefined when it or python3 is missing. */
export function findReferenceScorer(nabRoot) {
  const script = process.env.NABSCORE ?? resolve(nabRoot, '../../tools/nabscore.py');
  const python = spawnSync('python3', ['--version']);
  return existsSync(script) && python.status === 0 ? script : undefined;
}

function nabscore(script, nabRoot, dir) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('python3', [script, dir, '--nab-root', nabRoot, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolvePromise(JSON.parse(stdout)) : reject(new Error(`nabscore.py ${dir}: ${stderr}`)),
    );
  });
}

/**
 * For each { dir, report } (our NabReport), runs nabscore.py (two at a time) and lists every difference:
 * thresholds must be equal, normalised scores within 1e-9.
 */
export async function checkAgainstReference(script, nabRoot, runs) {
  const problems = [];
  const queue = [...runs];
  const next = async () => {
    for (let run = queue.shift(); run !== undefined; run = queue.shift()) {
      const reference = await nabscore(script, nabRoot, run.dir);
      for (const profile of PROFILES) {
        const ours = run.report.profiles[profile];
        const theirs = reference.profiles[profile];
        if (ours.threshold !== theirs.threshold || Math.abs(ours.normalized - theirs.normalized) > 1e-9) {
          problems.push(
            `${run.dir} ${profile}: ours ${ours.normalized} @ ${ours.threshold}, ` +
              `nabscore.py ${theirs.normalized} @ ${theirs.threshold}`,
          );
        }
      }
    }
  };
  await Promise.all([next(), next()]);
  return problems;
}
