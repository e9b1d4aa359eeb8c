import { parseArgs } from 'node:util';
import type { Clock } from '@opsloop/kit';
import { JOURNEY_NAMES } from './journeys.js';
import { DEFAULT_TIMEOUT_MS, LoadOptionsError, parseMix } from './options.js';
import { formatReport } from './report.js';
import { runLoad, type RunLoadOptions } from './run-load.js';
import { RemoteTargetError } from './target.js';

/** Exit code of a usage error (bad flag or value). */
export const EXIT_USAGE = 2;
/** Exit code of a run ended by Ctrl-C (after its report). */
export const EXIT_INTERRUPTED = 130;

/** Defaults of the command (the library's are in `RunLoadOptions`). */
export const CLI_DEFAULTS = { url: 'http://127.0.0.1:8080', concurrency: 4, durationSeconds: 30 } as const;

/** The command's help text. */
export const USAGE = `Usage: opsloop-load [options]

Runs user journeys against the shop's gateway and prints latency and errors per endpoint.

Options:
  --url <url>             the gateway (default ${CLI_DEFAULTS.url}); loopback only unless --allow-remote
  --rate <n>              open model: start n journeys per second, whatever is still running
  --concurrency <n>       closed model: n virtual users, one journey at a time each (default ${CLI_DEFAULTS.concurrency})
  --duration <s>          stop after s seconds (default ${CLI_DEFAULTS.durationSeconds}); requests in flight finish
  --journeys <n>          stop after n journeys (open model: n arrivals)
  --mix <name=w,...>      journey weights, from ${JOURNEY_NAMES.join(', ')} (default browse=6,purchase=3,signup=1)
  --think <ms|min-max>    think time between steps, e.g. 200 or 100-500 (default 0)
  --seed <n>              seed of journey choices (default random, printed)
  --timeout <ms>          deadline of one request (default ${DEFAULT_TIMEOUT_MS})
  --arrivals <kind>       open model: uniform (default) or poisson
  --max-in-flight <n>     open model: drop arrivals beyond n running journeys (default 1000)
  --connections <n>       most connections to the target
  --source <address>      send from this local address, e.g. 127.0.0.2 (its own client at a per-IP limit)
  --clients <n>           spread the journeys over n client addresses (127.1.0.1 …): users at n addresses
  --allow-remote          allow a target that is not this machine
  --json                  print the report as JSON
  -h, --help              show this help

Exit codes: 0 after a run, 2 for a bad option, 130 when interrupted (the report is printed first).
`;

/** Where the command writes. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Ends the run early (Ctrl-C). */
  signal?: AbortSignal;
  clock?: Clock;
}

class UsageError extends Error {}

const STRING_OPTIONS = [
  'url',
  'rate',
  'concurrency',
  'duration',
  'journeys',
  'mix',
  'think',
  'seed',
  'timeout',
  'arrivals',
  'max-in-flight',
  'connections',
  'source',
  'clients',
] as const;

function number(flag: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const pattern = integer ? /^\d+$/ : /^\d+(\.\d+)?$/;
  const value = Number(text);
  if (!pattern.test(text) || !Number.isFinite(value))
    throw new UsageError(`--${flag}: expected ${integer ? 'an integer' : 'a number'}, got "${text}"`);
  return value;
}

function think(text: string | undefined): RunLoadOptions['thinkTimeMs'] {
  if (text === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(text);
  if (match === null) throw new UsageError(`--think: expected ms or min-max, got "${text}"`);
  return match[2] === undefined ? Number(match[1]) : [Number(match[1]), Number(match[2])];
}

/** Turns argv into run options; throws a usage error naming the first bad flag. */
function parseCommand(argv: readonly string[]): { help: boolean; json: boolean; options: RunLoadOptions } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(STRING_OPTIONS.map((name) => [name, { type: 'string' as const }])),
        'allow-remote': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    // node's messages run over several sentences; the first one names the problem.
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message.split(/\.\s/)[0]!.replace(/\.$/, ''));
  }
  const strings = values as Record<string, string | boolean | undefined>;
  const get = (name: (typeof STRING_OPTIONS)[number]): string | undefined => {
    const value = strings[name];
    return typeof value === 'string' ? value : undefined;
  };
  const rate = number('rate', get('rate'), false);
  const concurrency = number('concurrency', get('concurrency'), true);
  if (rate !== undefined && concurrency !== undefined)
    throw new UsageError('--rate and --concurrency exclude each other (open or closed model)');
  const arrivals = get('arrivals');
  if (arrivals !== undefined && arrivals !== 'uniform' && arrivals !== 'poisson')
    throw new UsageError(`--arrivals: expected uniform or poisson, got "${arrivals}"`);
  let mix: RunLoadOptions['mix'];
  try {
    const text = get('mix');
    mix = text === undefined ? undefined : parseMix(text);
  } catch (error) {
    throw new UsageError(`--${(error as Error).message}`);
  }
  const optional = <K extends keyof RunLoadOptions>(key: K, value: RunLoadOptions[K] | undefined) =>
    value === undefined ? {} : { [key]: value };
  return {
    help: values.help === true,
    json: values.json === true,
    options: {
      baseUrl: get('url') ?? CLI_DEFAULTS.url,
      ...(rate === undefined ? { concurrency: concurrency ?? CLI_DEFAULTS.concurrency } : { rate }),
      durationSeconds: number('duration', get('duration'), false) ?? CLI_DEFAULTS.durationSeconds,
      ...optional('maxJourneys', number('journeys', get('journeys'), true)),
      ...optional('mix', mix),
      ...optional('thinkTimeMs', think(get('think'))),
      ...optional('seed', number('seed', get('seed'), true)),
      ...optional('timeoutMs', number('timeout', get('timeout'), true)),
      ...optional('arrivals', arrivals),
      ...optional('maxInFlight', number('max-in-flight', get('max-in-flight'), true)),
      ...optional('connections', number('connections', get('connections'), true)),
      ...optional('sourceAddress', get('source')),
      ...optional('clients', number('clients', get('clients'), true)),
      ...(values['allow-remote'] === true ? { allowRemote: true } : {}),
    },
  };
}

/**
 * The `opsloop-load` command without the process around it: parses `argv`, runs, writes the report, and
 * resolves to the exit code. A bad option writes one line to stderr and resolves to {@link EXIT_USAGE}.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`opsloop-load: ${error.message} (see --help)\n`);
    return EXIT_USAGE;
  }
  if (command.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  let report;
  try {
    report = await runLoad({
      ...command.options,
      ...(io.signal === undefined ? {} : { signal: io.signal }),
      ...(io.clock === undefined ? {} : { clock: io.clock }),
    });
  } catch (error) {
    if (error instanceof LoadOptionsError || error instanceof RemoteTargetError) {
      io.stderr.write(`opsloop-load: ${error.message} (see --help)\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`opsloop-load: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  io.stdout.write(command.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.stoppedBy === 'signal' ? EXIT_INTERRUPTED : 0;
}

/** The process entry point of `bin/opsloop-load.js`: Ctrl-C ends the run and prints what it measured. */
export async function main(argv: readonly string[]): Promise<number> {
  const controller = new AbortController();
  const interrupt = () => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    controller.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  try {
    return await runCli(argv, { stdout: process.stdout, stderr: process.stderr, signal: controller.signal });
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}
