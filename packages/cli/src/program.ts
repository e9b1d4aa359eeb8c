import { Command, InvalidArgumentError, Option } from 'commander';
import { down } from './commands/down.js';
import { status } from './commands/status.js';
import { up } from './commands/up.js';
import { validate } from './commands/validate.js';

const positiveSeconds = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError('expected a whole number of seconds > 0');
  return n;
};

/** Journeys per second of `opsloop up --load` without a number: light traffic that keeps dashboards alive. */
export const DEFAULT_LOAD_RATE = 1;

const positiveRate = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1000)
    throw new InvalidArgumentError('expected journeys per second, > 0 and ≤ 1000');
  return n;
};

/** Builds the `opsloop` command line; `run` receives each command's exit code. */
export function createProgram(run: (work: Promise<number>) => void): Command {
  const program = new Command('opsloop')
    .description('Run, observe and repair a microservice system described in opsloop.yaml (docs/runtime.md).')
    .version('0.1.0', '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false });

  const fileOption = () => new Option('-f, --file <path>', 'the system spec').default('opsloop.yaml');
  const stateOption = () =>
    new Option(
      '--state-dir <dir>',
      'where the runtime keeps its state and logs (default: .opsloop next to the spec)',
    );

  program
    .command('up')
    .description('start every service of the spec and keep it running in the foreground (Ctrl-C stops it)')
    .addOption(fileOption())
    .addOption(stateOption())
    .option('--no-logs', 'do not print replica logs (they are still kept in <state-dir>/logs)')
    .option('--raw-logs', 'print replica logs as the raw JSON lines')
    .addOption(
      new Option('--timeout <seconds>', 'how long to wait for readiness before reporting')
        .default(60)
        .argParser(positiveSeconds),
    )
    .addOption(
      new Option(
        '--load [journeys-per-second]',
        'once ready, send light background traffic (user journeys) to the exposed gateway',
      ).argParser(positiveRate),
    )
    .action(
      (opts: {
        file: string;
        stateDir?: string;
        logs: boolean;
        rawLogs?: boolean;
        timeout: number;
        load?: number | true;
      }) =>
        run(
          up({
            ...opts,
            rawLogs: opts.rawLogs ?? false,
            load: opts.load === true ? DEFAULT_LOAD_RATE : opts.load,
          }),
        ),
    );

  program
    .command('status')
    .description('show the services and replicas of the running system')
    .addOption(fileOption())
    .addOption(stateOption())
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'),
    )
    .action((opts: { file: string; stateDir?: string; output: 'table' | 'json' }) => run(status(opts)));

  program
    .command('down')
    .description('stop the running system (replicas drain, then exit)')
    .addOption(fileOption())
    .addOption(stateOption())
    .addOption(
      new Option('--timeout <seconds>', 'how long to wait for it to stop')
        .default(60)
        .argParser(positiveSeconds),
    )
    .action((opts: { file: string; stateDir?: string; timeout: number }) => run(down(opts)));

  program
    .command('validate')
    .description('check a spec file and report every problem with its path')
    .addOption(fileOption())
    .action((opts: { file: string }) => run(validate(opts)));

  return program;
}
