import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { TemplateMiner } from '@opsloop/aiops';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.js';
import { LineTemplates } from './logs-mine-ids.js';
import { csvField, templateParameters } from '@opsloop/aiops';
import { CsvRows } from './logs-mine-output.js';
import { logsMine, type LogsMineOptions } from './logs-mine.js';

/** RFC 4180 rows (quoted fields, doubled quotes, CRLF or LF), written here so it checks our quoting. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  const field = /("(?:[^"]|"")*"|[^,\r\n]*)(,|\r?\n|$)/y;
  let row: string[] = [];
  while (field.lastIndex < text.length) {
    const match = field.exec(text);
    if (match === null) throw new Error(`bad CSV at ${field.lastIndex}`);
    const raw = match[1]!;
    row.push(raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw);
    if (match[2] !== ',') {
      rows.push(row);
      row = [];
    }
  }
  return rows;
}

/** A writable that keeps what it is given. */
function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return Object.assign(stream, { text: () => chunks.join('') });
}

/** Runs the command on stdin text; returns the exit code, stdout (the CSV) and stderr (the summary). */
async function mineStdin(text: string, options: LogsMineOptions = {}) {
  const stdout = sink();
  const stderr = sink();
  const code = await logsMine(options, { stdin: Readable.from([text]), stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const LOG = [
  'session opened for user alice by uid 0',
  'Received block 123 of size 67108864 from 10.0.0.1',
  '',
  'session opened for user bob by uid 0',
  'VM Started (Lifecycle Event)',
  'session opened for user carol by uid 1000',
  'Received block 124 of size 1024 from 10.0.0.2',
  '   ',
  'session opened for user dave by uid 0',
];

describe('opsloop logs mine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsloop-logs-mine-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every line with its final template (after later merges) and its parameters', async () => {
    const { code, stdout, stderr } = await mineStdin(`${LOG.join('\n')}\n`);
    expect(code).toBe(0);
    const [header, ...rows] = parseCsv(stdout);
    expect(header).toEqual(['LineId', 'EventId', 'EventTemplate', 'Parameters']);
    // Blank lines get no row, but LineId counts them: it is the physical line number.
    expect(rows.map((r) => r[0])).toEqual(['1', '2', '4', '5', '6', '7', '9']);
    const byLine = new Map(rows.map((r) => [Number(r[0]), r]));
    // Alice's line was mined before the session template existed; it reports the template it ended in.
    const sessions = [1, 4, 6, 9].map((n) => byLine.get(n)!);
    expect(new Set(sessions.map((r) => r[2]))).toEqual(new Set(['session opened for user <*> by uid <*>']));
    expect(new Set(sessions.map((r) => r[1])).size).toBe(1);
    expect(sessions.map((r) => JSON.parse(r[3]!))).toEqual([
      ['alice', '0'],
      ['bob', '0'],
      ['carol', '1000'],
      ['dave', '0'],
    ]);
    expect(byLine.get(2)![2]).toBe('Received block <*> of size <*> from <*>');
    expect(JSON.parse(byLine.get(7)![3]!)).toEqual(['124', '1024', '10.0.0.2']);
    expect(byLine.get(5)!.slice(2)).toEqual(['VM Started (Lifecycle Event)', '[]']);
    expect(sessions[0]![1]).toMatch(/^t[0-9a-f]{16}$/);
    // The summary goes to stderr when the CSV takes stdout: most lines first.
    const summary = stderr.split('\n');
    expect(summary[0]).toBe('stdin: 7 lines, 3 templates');
    expect(summary[1]).toMatch(/^\s*COUNT\s+ID\s+TEMPLATE$/);
    expect(summary[2]!.trim().split(/ {2}/)).toEqual([
      '4',
      sessions[0]![1],
      'session opened for user <*> by uid <*>',
    ]);
    expect(summary[3]!.trim().split(/ {2}/)).toEqual([
      '2',
      byLine.get(2)![1],
      'Received block <*> of size <*> from <*>',
    ]);
  });

  it('reads a file, writes the CSV file and prints the top templates on stdout', async () => {
    const input = join(dir, 'app.log');
    const output = join(dir, 'app.csv');
    writeFileSync(input, LOG.join('\r\n'));
    const stdout = sink();
    const stderr = sink();
    expect(await logsMine({ input, output, top: 1 }, { stdout, stderr })).toBe(0);
    expect(stderr.text()).toBe('');
    const summary = stdout.text().split('\n');
    expect(summary[0]).toBe(`${input}: 7 lines, 3 templates (top 1)`);
    expect(summary[2]).toContain('session opened for user <*> by uid <*>');
    expect(summary).toHaveLength(4); // head, table header, one template, final newline
    const csv = readFileSync(output, 'utf8');
    expect(csv).toBe((await mineStdin(LOG.join('\n'))).stdout);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('mines the <Content> of a --format and names a line that does not fit, writing nothing', async () => {
    const format = '<Date> <Time> <Level> <Component>: <Content>';
    const lines = [
      '2026-12-06 10:00:01 INFO cart.Store: session opened for user alice by uid 0',
      '2026-12-06 10:00:02 INFO cart.Store: session opened for user bob by uid 0',
      '2026-12-06 10:00:03 WARN cart.Store: session opened for user carol by uid 7',
    ];
    const { stdout } = await mineStdin(lines.join('\n'), { format });
    const rows = parseCsv(stdout).slice(1);
    expect(rows.map((r) => r[2])).toEqual(Array(3).fill('session opened for user <*> by uid <*>'));
    expect(rows.map((r) => JSON.parse(r[3]!))).toEqual([
      ['alice', '0'],
      ['bob', '0'],
      ['carol', '7'],
    ]);

    const input = join(dir, 'mixed.log');
    const output = join(dir, 'mixed.csv');
    writeFileSync(input, [...lines, '', 'Traceback (most recent call last):', lines[0]].join('\n'));
    const error = await logsMine({ input, output, format }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toBe(
      `${input}: line 5 does not match --format "${format}": "Traceback (most recent call last):"`,
    );
    expect(existsSync(output)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('mixed.csv'))).toEqual([]);
  });

  it('mines lines that do not fit whole, or skips them, with --unmatched', async () => {
    const format = '<Level> <Component>: <Content>';
    const text = ['INFO a.B: job 1 done', 'stray text 7', 'INFO a.B: job 2 done', '{"no":"msg"}'].join('\n');
    const whole = await mineStdin(text, { format, unmatched: 'whole' });
    const wholeRows = parseCsv(whole.stdout).slice(1);
    expect(wholeRows.map((r) => [r[0], r[2]])).toEqual([
      ['1', 'job <*> done'],
      ['2', 'stray text <*>'],
      ['3', 'job <*> done'],
      ['4', '{"no":"msg"}'],
    ]);
    expect(whole.stderr.split('\n')[0]).toBe(
      'stdin: 4 lines, 3 templates; 2 lines did not fit (mined whole)',
    );
    const skip = await mineStdin(text, { format, unmatched: 'skip' });
    expect(
      parseCsv(skip.stdout)
        .slice(1)
        .map((r) => r[0]),
    ).toEqual(['1', '3']);
    expect(skip.stderr.split('\n')[0]).toBe('stdin: 2 lines, 1 templates; 2 lines did not fit (skipped)');
    const json = await mineStdin('{"msg":"hi"}\nplain\n', { json: true, unmatched: 'skip' });
    expect(
      parseCsv(json.stdout)
        .slice(1)
        .map((r) => [r[0], r[2]]),
    ).toEqual([['1', 'hi']]);
  });

  it('keeps an existing output file as it was when the run fails', async () => {
    const input = join(dir, 'bad.jsonl');
    const output = join(dir, 'kept.csv');
    writeFileSync(output, 'old\n');
    writeFileSync(input, '{"msg":"ready"}\nnot json at all\n');
    await expect(logsMine({ input, output, json: true })).rejects.toThrow(
      `${input}: line 2 is not JSON: "not json at all"`,
    );
    expect(readFileSync(output, 'utf8')).toBe('old\n');
    expect(readdirSync(dir).filter((f) => f.startsWith('kept.csv.'))).toEqual([]);
  });

  it('rejects bad format strings, bad regexes and --format with --json, in one line', async () => {
    await expect(mineStdin('x', { format: '<Date> <Time>' })).rejects.toThrow(
      new CliError('--format: bad log format "<Date> <Time>": it has no <Content> field'),
    );
    await expect(mineStdin('x', { format: '<Date> (<Content>' })).rejects.toThrow(
      /^--format: bad log format/,
    );
    await expect(mineStdin('x', { mask: ['\\d+', 'user (\\w+'] })).rejects.toThrow(
      /^--mask: bad masking regex "user \(\\\\w\+": .*Unterminated group/,
    );
    await expect(mineStdin('x', { format: '<Content>', json: true })).rejects.toThrow(
      'give --format or --json, not both',
    );
  });

  it('mines the msg or message of JSON lines and names lines that are not JSON log lines', async () => {
    const lines = [
      '{"level":"info","msg":"GET /api/cart/42 took 12 ms","service":"gateway"}',
      '{"level":"info","message":"GET /api/cart/7 took 3 ms"}',
      '',
      '{"level":"info","msg":"GET /api/cart/9 took 5 ms","trace_id":"abc"}',
    ];
    const { stdout } = await mineStdin(lines.join('\n'), { json: true });
    const rows = parseCsv(stdout).slice(1);
    expect(rows.map((r) => r[0])).toEqual(['1', '2', '4']);
    expect(new Set(rows.map((r) => r[2]))).toEqual(new Set(['GET <*> took <*> ms']));
    expect(JSON.parse(rows[1]![3]!)).toEqual(['/api/cart/7', '3']);
    for (const [bad, reason] of [
      ['[1, 2]', 'is not a JSON object'],
      ['{"level":"info","text":"no message"}', 'has no string "msg" or "message" field'],
      ['{"msg": 42}', 'has no string "msg" or "message" field'],
      ['{"msg": "cut', 'is not JSON'],
    ] as const) {
      await expect(mineStdin(`${lines[0]}\n${bad}\n`, { json: true })).rejects.toThrow(
        new CliError(`stdin: line 2 ${reason}: ${JSON.stringify(bad)}`),
      );
    }
  });

  it('applies --mask regexes before the token rules', async () => {
    const lines = ['worker alpha ready', 'worker beta ready', 'worker alpha ready'];
    const plain = parseCsv((await mineStdin(lines.join('\n'))).stdout).slice(1);
    // Two names are not evidence of a variable: two templates.
    expect(new Set(plain.map((r) => r[2]))).toEqual(new Set(['worker alpha ready', 'worker beta ready']));
    const masked = parseCsv((await mineStdin(lines.join('\n'), { mask: ['(?<=worker )[a-z]+'] })).stdout);
    expect(masked.slice(1).map((r) => r[2])).toEqual(Array(3).fill('worker <*> ready'));
    expect(masked.slice(1).map((r) => JSON.parse(r[3]!))).toEqual([['alpha'], ['beta'], ['alpha']]);
  });

  it('cuts a long line in its error message and keeps it on one line', async () => {
    const long = `{"broken": "${'x'.repeat(200)}\u0007`;
    const error = (await mineStdin(long, { json: true }).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^stdin: line 1 is not JSON: "\{\\"broken\\": \\"x+…"$/);
    expect(error.message.length).toBeLessThan(140);
  });

  it('names an input that cannot be read', async () => {
    await expect(logsMine({ input: join(dir, 'missing.log') })).rejects.toThrow(
      new CliError(`cannot read ${join(dir, 'missing.log')}: ENOENT`),
    );
    const sub = join(dir, 'a-directory');
    mkdirSync(sub);
    await expect(logsMine({ input: sub, output: join(dir, 'never.csv') })).rejects.toThrow(
      new CliError(`cannot read ${sub}: EISDIR`),
    );
    expect(readdirSync(dir).filter((f) => f.startsWith('never.csv'))).toEqual([]);
  });

  it('names an output that cannot be written before reading anything', async () => {
    const output = join(dir, 'no-such-dir', 'out.csv');
    await expect(logsMine({ input: join(dir, 'missing.log'), output })).rejects.toThrow(
      new CliError(`cannot write ${output}: ENOENT`),
    );
  });

  it('writes a header only for an empty log', async () => {
    const { stdout, stderr } = await mineStdin('\n\n');
    expect(stdout).toBe('LineId,EventId,EventTemplate,Parameters\n');
    expect(stderr).toBe('stdin: 0 lines, 0 templates\n');
  });
});

describe('logs mine CSV', () => {
  it('quotes fields as RFC 4180 says and writes parameters as a JSON array', () => {
    expect(csvField('plain <*> text')).toBe('plain <*> text');
    expect(csvField('a, "b"')).toBe('"a, ""b"""');
    const rows = new CsvRows();
    const row = rows.row(3, 1, 't1', 'say <*>, then <*>', 'say "hi", then x,y');
    expect(row).toBe('3,t1,"say <*>, then <*>","[""\\""hi\\"""",""x,y""]"\n');
    const [fields] = parseCsv(row);
    expect(fields).toEqual(['3', 't1', 'say <*>, then <*>', '["\\"hi\\"","x,y"]']);
    expect(JSON.parse(fields![3]!)).toEqual(['"hi"', 'x,y']);
    expect(rows.row(4, 2, 't2', 'no variables', 'no variables')).toBe('4,t2,no variables,[]\n');
  });

  it('extracts parameters across whitespace runs and inside tokens', () => {
    expect(templateParameters('uid=<*> user <*> (<*>)', 'uid=42   user alice smith (x.y)')).toEqual([
      '42',
      'alice smith',
      'x.y',
    ]);
    expect(templateParameters('no variables', 'no variables')).toEqual([]);
    // A message that does not fit its template (a caller regex can do that): no parameters.
    expect(templateParameters('uid=<*> user <*> (<*>)', 'something else')).toEqual([]);
  });
});

describe('LineTemplates', () => {
  it('resolves each line to the id its template ended in, as the miner does', () => {
    const miner = new TemplateMiner();
    const lines = new LineTemplates();
    const ids: string[] = [];
    const users = ['alice', 'bob', 'carol', 'dave', 'erin'];
    for (let i = 0; i < 50; i++) {
      const line =
        i % 3 === 0
          ? `session opened for user ${users[i % 5]} by uid ${i}`
          : i % 3 === 1
            ? `host node-${i} is ${i % 2 === 0 ? 'up' : 'down'}`
            : `request ${users[(i * 7) % 5]} done in ${i} ms`;
      const result = miner.mine(line);
      ids.push(result.templateId);
      lines.record(result);
    }
    const finished = lines.finish(miner);
    expect(finished.lines).toBe(50);
    for (let i = 0; i < 50; i++) {
      const final = finished.final(finished.keyOfLine(i));
      expect(final.templateId).toBe(miner.resolveId(ids[i]!));
      expect(final.template).toBe(miner.template(ids[i]!)!.template);
    }
    const counts = miner.templates().map((t) => t.count);
    expect(finished.top(100).map((t) => t.count)).toEqual([...counts].sort((a, b) => b - a));
  });

  it('keeps the lines of an evicted template apart from a later template with the same id', () => {
    const lines = new LineTemplates();
    const miner = new TemplateMiner({ maxTemplatesPerGroup: 2, onEvict: (e) => lines.evicted(e) });
    for (const line of [
      'apple red fruit',
      'carrot orange root',
      'carrot orange root',
      'pea green seed', // evicts apple
      'apple red fruit', // apple again: a new template with the same id
    ])
      lines.record(miner.mine(line));
    const finished = lines.finish(miner);
    const first = finished.keyOfLine(0);
    const again = finished.keyOfLine(4);
    expect(first).not.toBe(again);
    expect(finished.final(first)).toEqual(finished.final(again));
    expect(finished.final(first).template).toBe('apple red fruit');
    expect(finished.templates).toBe(4);
  });
});
