// `npm run bench:start`: how long `npm start` takes from the command to "ready" (every replica passing its
// readiness probe), once built (warm) and right after a clean (cold: the build runs first). Runs the real
// `npm start` on a temporary copy of opsloop.yaml whose exposed port is 0, so it never collides with a
// running stack. Prints a table and writes bench/results/start.json.
import { spawn, execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

const root = new URL('../../', import.meta.url).pathname;
const runs = Number(process.env.BENCH_RUNS ?? 3);

function tempSpec(dataDir) {
  const dir = mkdtempSync(join(tmpdir(), 'opsloop-bench-start-'));
  const spec = parse(readFileSync(join(root, 'opsloop.yaml'), 'utf8'));
  for (const service of Object.values(spec.services)) {
    service.cwd = root;
    if (service.expose) service.expose.port = 0;
    if (service.env?.DATA_DIR !== undefined) service.env.DATA_DIR = dataDir;
    // The data moved out of the repository: its backups (of `.opsloop/data/<service>`) would copy another's.
    delete service.backup;
  }
  const path = join(dir, 'opsloop.yaml');
  writeFileSync(path, stringify(spec));
  return { dir, path };
}

function startOnce(dataDir) {
  const { dir, path } = tempSpec(dataDir);
  const began = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['start', '--silent', '--', '-f', path, '--no-logs'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    let ready = false;
    const timer = setTimeout(() => {
      process.kill(-child.pid, 'SIGKILL');
      reject(new Error(`not ready within 120 s:\n${out}`));
    }, 120_000);
    const onData = (chunk) => {
      out += chunk.toString();
      // Output goes on after the ready line (shutdown lines): act on it once.
      if (!ready && /is ready in/.test(out)) {
        ready = true;
        const ms = Number(process.hrtime.bigint() - began) / 1e6;
        clearTimeout(timer);
        child.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          resolve(ms);
        });
        process.kill(-child.pid, 'SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const cold = [];
const warm = [];
// Each round: a cold start (clean build, fresh databases: the first `npm start` after `npm install`), then a
// warm one (built, the databases the cold run created: every later `npm start`).
for (let i = 0; i < runs; i++) {
  const dataDir = mkdtempSync(join(tmpdir(), 'opsloop-bench-data-'));
  execSync('npx tsc -b --clean', { cwd: root, stdio: 'ignore' });
  cold.push(await startOnce(dataDir));
  warm.push(await startOnce(dataDir));
  rmSync(dataDir, { recursive: true, force: true });
}

const result = {
  benchmark: 'start',
  date: new Date().toISOString(),
  commit: execSync('git rev-parse --short HEAD', { cwd: root }).toString().trim(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  runs,
  coldStartMs: { median: Math.round(median(cold)), all: cold.map(Math.round) },
  warmStartMs: { median: Math.round(median(warm)), all: warm.map(Math.round) },
  goalWarmMs: 15_000,
};
writeFileSync(join(root, 'bench/results/start.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log('npm start → ready        median      runs');
console.log(
  `cold (new build+DBs) ${String(result.coldStartMs.median).padStart(8)} ms   ${cold.map(Math.round).join(', ')}`,
);
console.log(
  `warm (built, DBs)    ${String(result.warmStartMs.median).padStart(8)} ms   ${warm.map(Math.round).join(', ')}`,
);
console.log(`goal: warm ≤ 15000 ms → ${result.warmStartMs.median <= 15_000 ? 'met' : 'NOT met'}`);
