import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_USAGE, runCli, type LoadReport } from '../src/index.js';
import { startStandInShop, type StandInShop } from './stand-in-shop.js';

const BIN = fileURLToPath(new URL('../bin/opsloop-load.js', import.meta.url));
let target: StandInShop;

beforeAll(async () => {
  target = await startStandInShop();
});

afterAll(async () => {
  await target?.close();
});

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

/** Runs the built command in a child process (asynchronously: the stand-in shop answers from this one). */
function command(...argv: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...argv],
      { encoding: 'utf8', timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({
          status: error === null ? 0 : typeof error.code === 'number' ? error.code : null,
          stdout,
          stderr,
        });
      },
    );
  });
}

describe('opsloop-load', () => {
  it('prints its help', async () => {
    const { code, stdout, stderr } = await cli('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: opsloop-load \[options\]/);
    for (const flag of ['--url', '--rate', '--concurrency', '--duration', '--journeys', '--mix', '--json'])
      expect(stdout).toContain(flag);
    expect(stderr).toBe('');
  });

  it('prints a table per endpoint', async () => {
    const { code, stdout } = await cli(
      '--url',
      target.url,
      '--journeys',
      '6',
      '--mix',
      'browse=1',
      '--seed',
      '3',
    );
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toContain('closed model, 4 users');
    expect(lines[0]).toContain('seed 3 · stopped by count');
    expect(lines[1]).toMatch(/^journeys: 6 started \(browse:6\), 6 completed, 0 failed, 0 interrupted$/);
    expect(stdout).toMatch(
      /^endpoint\s+count\s+ok\s+errors\s+p50 ms\s+p90 ms\s+p99 ms\s+max ms\s+outcomes$/m,
    );
    expect(stdout).toMatch(/^GET \/api\/storefront\s+6\s+6\s+-\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+ok:6$/m);
    // The total row has the latency of every request together.
    expect(stdout).toMatch(/^total\s+\d+\s+\d+\s+0(\s+[\d.]+){4}\s+[\d.]+ req\/s$/m);
  });

  it('prints the report as JSON', async () => {
    const { code, stdout } = await cli(
      '--url',
      target.url,
      '--rate',
      '50',
      '--journeys',
      '5',
      '--mix',
      'storefront=1',
      '--think',
      '0-5',
      '--source',
      '127.0.0.4',
      '--json',
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as LoadReport;
    expect(report).toMatchObject({ model: 'open', rate: 50, journeys: { started: 5, completed: 5 } });
    expect(report.endpoints[0]).toMatchObject({ endpoint: 'GET /api/storefront', count: 5 });
    expect(report.totals.latencyMs?.p99).toBeGreaterThan(0);
    expect(target.clients.has('127.0.0.4')).toBe(true);
  });

  it('answers a bad flag with one line and exit code 2', async () => {
    for (const argv of [
      ['--bogus'],
      ['--rate', 'fast'],
      ['--concurrency', '1.5'],
      ['--rate', '5', '--concurrency', '2'],
      ['--mix', 'browse'],
      ['--mix', 'teleport=1'],
      ['--think', '5-'],
      ['--arrivals', 'bursty'],
      ['--duration', '0'],
      ['--url', 'http://example.com'],
      ['--url', 'nonsense'],
      ['--source', '192.0.2.1'],
      ['--source', 'here'],
      ['positional'],
    ]) {
      const { code, stdout, stderr } = await cli(...argv);
      expect(code, argv.join(' ')).toBe(EXIT_USAGE);
      expect(stdout).toBe('');
      expect(stderr, argv.join(' ')).toMatch(/^opsloop-load: [^\n]+ \(see --help\)\n$/);
    }
  });

  it('runs as a command (from the build)', async () => {
    const help = await command('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: opsloop-load');
    const bad = await command('--nope');
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const run = await command('--url', target.url, '--journeys', '2', '--mix', 'storefront=1', '--json');
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ journeys: { started: 2, completed: 2 } });
  });
});
