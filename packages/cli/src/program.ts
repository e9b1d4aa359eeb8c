import { Command, InvalidArgumentError, Option } from 'commander';
import { apply } from './commands/apply.js';
import { audit } from './commands/audit.js';
import { autoscalingHistory } from './commands/autoscaling.js';
import { down } from './commands/down.js';
import { scale } from './commands/scale.js';
import { createToken, listTokens, revokeToken } from './commands/token.js';
import {
  dashboard,
  DASHBOARD_ROLES,
  DEFAULT_DASHBOARD_TTL_SECONDS,
  type DashboardOptions,
} from './commands/dashboard.js';
import { getFlag, listFlags, setFlag } from './commands/flags.js';
import { deleteSecret, listSecrets, setSecret } from './commands/secrets.js';
import { backupCreate, backupList, backupRestore } from './commands/backup.js';
import { rolloutAction, rolloutHistory, rolloutStatus } from './commands/rollout.js';
import { releases } from './commands/releases.js';
import { events } from './commands/events.js';
import { describeService } from './commands/describe.js';
import { logs } from './commands/logs.js';
import { logsMine, refuseServiceOptions, type LogsMineOptions } from './commands/logs-mine.js';
import { logTemplates } from './commands/log-templates.js';
import { UNMATCHED_MODES } from './commands/logs-mine-input.js';
import { query } from './commands/query.js';
import { trace } from './commands/trace.js';
import { DETECTORS, defaultDetector } from '@opsloop/aiops';
import { alerts } from './commands/alerts.js';
import { anomalies, type AnomaliesOptions } from './commands/anomalies.js';
import { detect } from './commands/detect.js';
import {
  parseMatcherArgument,
  silenceAdd,
  silenceExpire,
  silenceList,
  type ApiMatcher,
} from './commands/silence.js';
import { parseDurationArgument, parseTimeArgument } from './commands/time-arguments.js';
import { status } from './commands/status.js';
import { up } from './commands/up.js';
import { validate } from './commands/validate.js';
import {
  DEFAULT_IMAGE_REGISTRY,
  DEFAULT_IMAGE_TAG,
  renderK8s,
  renderKustomize,
  type RenderK8sOptions,
  type RenderKustomizeOptions,
} from './commands/render.js';
import { policyCheck, type PolicyCheckOptions } from './commands/policy.js';
import { budget, type BudgetOptions } from './commands/budget.js';
import {
  pipelineDown,
  pipelineRun,
  type PipelineDownOptions,
  type PipelineRunOptions,
} from './commands/pipeline.js';
import { STAGE_NAMES } from './pipeline/pipeline.js';
import { policyGatekeeper, type PolicyGatekeeperOptions } from './commands/policy-gatekeeper.js';
import { load } from './commands/load.js';
import { chaosClear, chaosInject, chaosList, chaosStatus } from './commands/chaos.js';
import {
  incidentsDecide,
  incidentsList,
  incidentsProposals,
  incidentsShow,
  type IncidentsOptions,
} from './commands/incidents.js';
import {
  DEFAULT_LOAD_DURATION_SECONDS,
  DEFAULT_LOAD_RATE_PER_SECOND,
  type LoadFlags,
} from './commands/load-options.js';

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
    .option(
      '--no-mtls',
      'debugging only: no service certificates, cleartext gRPC between services, no caller policy (overrides runtime.mtls)',
    )
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
        mtls: boolean;
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
    .alias('get')
    .description('show the services and replicas of the running system (also: opsloop get)')
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

  const wholeNumber = (what: string, min: number, max: number) => (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected ${what} from ${min} to ${max}`);
    return n;
  };
  const finiteNumber = (flag: string) => (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n))
      throw new InvalidArgumentError(`${flag} expects a number`);
    return n;
  };
  const outputOption = () =>
    new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table');

  program
    .command('apply')
    .description(
      'make the running system match a spec: prints the changes (scale, rolling update, new and removed services) and reconciles (admin role)',
    )
    .addOption(fileOption())
    .addOption(stateOption())
    .option('--dry-run', 'print the changes only')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((opts: { file: string; stateDir?: string; dryRun?: boolean; output: 'text' | 'json' }) =>
      run(apply({ ...opts, dryRun: opts.dryRun ?? false })),
    );

  program
    .command('scale')
    .description('set the number of replicas of a running service (operator role)')
    .argument('<service>', 'the service to scale')
    .addOption(
      new Option('--replicas <n>', 'the new replica count')
        .argParser(wholeNumber('a replica count', 0, 100))
        .makeOptionMandatory(),
    )
    .addOption(fileOption())
    .addOption(stateOption())
    .action((service: string, opts: { file: string; stateDir?: string; replicas: number }) =>
      run(scale({ ...opts, service })),
    );

  program
    .command('autoscaling')
    .description(
      "an autoscaled service's last decisions: replicas, desired count, what limited it, why (viewer role)",
    )
    .argument('<service>', 'the autoscaled service')
    .addOption(
      new Option('-n, --limit <count>', 'how many decisions')
        .default(20)
        .argParser(wholeNumber('a count', 1, 1000)),
    )
    .addOption(fileOption())
    .addOption(stateOption())
    .addOption(outputOption())
    .action(
      (service: string, opts: { file: string; stateDir?: string; limit: number; output: 'table' | 'json' }) =>
        run(autoscalingHistory({ ...opts, service })),
    );

  const flags = program
    .command('flags')
    .description('feature flags served to services (OpenFeature): list, get, set');
  flags
    .command('list')
    .description('every flag with its state and default variant (viewer role)')
    .addOption(fileOption())
    .addOption(stateOption())
    .addOption(outputOption())
    .action((opts: { file: string; stateDir?: string; output: 'table' | 'json' }) => run(listFlags(opts)));
  flags
    .command('get')
    .description("one flag's definition as JSON (viewer role)")
    .argument('<key>', 'the flag')
    .addOption(fileOption())
    .addOption(stateOption())
    .action((key: string, opts: { file: string; stateDir?: string }) => run(getFlag({ ...opts, key })));
  flags
    .command('set')
    .description('change a flag now, without a restart (operator role; lasts until the next apply)')
    .argument('<key>', 'the flag')
    .option('--variant <name>', 'the new default variant')
    .option('--on', 'enable the flag')
    .option('--off', 'disable the flag (services get their code default: a kill switch)')
    .addOption(fileOption())
    .addOption(stateOption())
    .action(
      (
        key: string,
        opts: { file: string; stateDir?: string; variant?: string; on?: boolean; off?: boolean },
      ) => {
        if (opts.on && opts.off) {
          program.error('opsloop: give --on or --off, not both');
        }
        const state = opts.on ? ('ENABLED' as const) : opts.off ? ('DISABLED' as const) : undefined;
        run(
          setFlag({
            file: opts.file,
            key,
            ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
            ...(opts.variant ? { variant: opts.variant } : {}),
            ...(state ? { state } : {}),
          }),
        );
      },
    );

  program
    .command('describe')
    .description(
      'one service in detail: spec (secrets masked), replicas, rollout, autoscaling, events (viewer role)',
    )
    .argument('<service>')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(fileOption())
    .addOption(stateOption())
    .action((service: string, opts: { file: string; stateDir?: string; output: 'text' | 'json' }) =>
      run(describeService({ ...opts, service })),
    );

  program
    .command('releases')
    .description(
      'the latest release of each release group: members in order, revisions, outcome (viewer role)',
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(fileOption())
    .addOption(stateOption())
    .action((opts: { file: string; stateDir?: string; output: 'text' | 'json' }) => run(releases(opts)));

  program
    .command('events')
    .description(
      'what the runtime did (starts, exits, kills, scaling, rollouts, applies), oldest first (viewer role)',
    )
    .option('--service <name>', 'only events of this service')
    .option('-F, --follow', 'keep printing new events until Ctrl-C')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(fileOption())
    .addOption(stateOption())
    .action(
      (opts: {
        file: string;
        stateDir?: string;
        service?: string;
        follow?: boolean;
        output: 'text' | 'json';
      }) => run(events({ ...opts, follow: opts.follow ?? false })),
    );

  const logsCommand = program
    .command('logs')
    .description(
      "a service's replica output, secrets masked; --follow follows; --since/--grep/--trace/--level search the log store (viewer role); 'logs mine' mines a log file's templates; 'logs templates <service>' lists a running service's templates",
    )
    .argument(
      '<service>',
      'the service (ones named "mine" or "templates" cannot be shown: those are the subcommands)',
    )
    .option('-F, --follow', 'keep printing new lines until Ctrl-C')
    .addOption(
      new Option('--tail <n>', 'lines per replica to start with (with a search: lines in all)')
        .default(50)
        .argParser(wholeNumber('a count', 0, 5000)),
    )
    .addOption(
      new Option('--since <duration>', 'search the last 5m, 1h, 2d… (default 1h)').argParser(
        parseDurationArgument,
      ),
    )
    .option('--grep <text>', 'only lines containing this text')
    .option('--trace <id>', 'only lines of this trace (its trace_id)')
    .addOption(
      new Option('--level <level>', 'only lines of this level').choices([
        'trace',
        'debug',
        'info',
        'warn',
        'error',
        'fatal',
      ]),
    )
    .addOption(fileOption())
    .addOption(stateOption())
    .action(
      (
        service: string,
        opts: {
          file: string;
          stateDir?: string;
          follow?: boolean;
          tail: number;
          since?: number;
          grep?: string;
          trace?: string;
          level?: string;
        },
      ) =>
        run(
          logs({
            file: opts.file,
            ...(opts.stateDir === undefined ? {} : { stateDir: opts.stateDir }),
            service,
            follow: opts.follow ?? false,
            tail: opts.tail,
            ...(opts.since === undefined ? {} : { sinceMs: opts.since }),
            ...(opts.grep === undefined ? {} : { grep: opts.grep }),
            ...(opts.trace === undefined ? {} : { traceId: opts.trace }),
            ...(opts.level === undefined ? {} : { level: opts.level }),
          }),
        ),
    );

  logsCommand
    .command('mine')
    .description(
      'mine the templates of a log (file or stdin, streamed): writes LineId,EventId,EventTemplate,Parameters CSV and prints the top templates',
    )
    .option(
      '--format <format>',
      "the header format of a line, settings.json style, e.g. '<Date> <Time> <Level> <Component>: <Content>' (none: the whole line is the message)",
    )
    .option(
      '--mask <regex>',
      'a regex whose matches are variables (repeatable; applied after the built-in timestamp and size masks, before the token rules)',
      (value: string, all: string[]) => [...all, value],
      [] as string[],
    )
    .option('--json', 'each line is a JSON object: its "msg" or "message" is mined')
    .option('-i, --input <file>', 'the log to read ("-" or none: standard input)')
    .option(
      '-o, --output <file>',
      'the CSV to write (none: standard output; the summary then goes to stderr)',
    )
    .addOption(
      new Option(
        '--unmatched <mode>',
        'a line that does not fit --format or is not a JSON log line: an error, mined whole, or skipped',
      )
        .choices(UNMATCHED_MODES)
        .default('error'),
    )
    .addOption(
      new Option('--top <n>', 'how many templates the summary lists')
        .default(10)
        .argParser(wholeNumber('a count', 0, 100_000)),
    )
    .action((opts: LogsMineOptions, command: Command) =>
      run(Promise.resolve().then(() => (refuseServiceOptions(command), logsMine(opts)))),
    );

  logsCommand
    .command('templates')
    .description(
      "the templates the runtime mined from a service's output: count per level, first and last seen, an example (viewer role)",
    )
    .argument('<service>')
    .addOption(
      new Option('-n, --limit <count>', 'at most this many templates, most frequent first')
        .default(50)
        .argParser(wholeNumber('a count', 1, 5000)),
    )
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'),
    )
    .action((service: string, opts: { limit: number; output: 'table' | 'json' }, command: Command) =>
      run(
        Promise.resolve().then(() => {
          // -f/--state-dir belong to `logs` (commander gives them to it wherever they are written).
          refuseServiceOptions(command, ['file', 'stateDir']);
          const parent = command.parent!.opts<{ file: string; stateDir?: string }>();
          return logTemplates({
            file: parent.file,
            ...(parent.stateDir === undefined ? {} : { stateDir: parent.stateDir }),
            service,
            ...opts,
          });
        }),
      ),
    );

  program
    .command('trace')
    .description('one trace as a text waterfall: spans under their parents, durations, errors (viewer role)')
    .argument('<trace-id>', "32 hex digits, e.g. from a log line's trace_id")
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(fileOption())
    .addOption(stateOption())
    .action((traceId: string, opts: { file: string; stateDir?: string; output: 'text' | 'json' }) =>
      run(
        trace({
          file: opts.file,
          ...(opts.stateDir === undefined ? {} : { stateDir: opts.stateDir }),
          traceId,
          output: opts.output,
        }),
      ),
    );

  program
    .command('alerts')
    .description(
      "pending and firing alerts of the runtime's rules (ServiceDown, SLO burn rates) (viewer role)",
    )
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'),
    )
    .addOption(fileOption())
    .addOption(stateOption())
    .action((opts: { file: string; stateDir?: string; output: 'table' | 'json' }) => run(alerts(opts)));

  program
    .command('anomalies')
    .description(
      "live anomaly detection on every service's golden signals: episodes newest first, or with --series the watched series (viewer role)",
    )
    .option('-s, --service <name>', 'only this service')
    .option('--firing', 'only episodes still firing', false)
    .option('--series', 'the watched series: last value, expected band, score, points learnt', false)
    .addOption(
      new Option('-n, --limit <count>', 'at most this many episodes')
        .argParser(wholeNumber('a count', 1, 1000))
        .default(50),
    )
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'),
    )
    .addOption(fileOption())
    .addOption(stateOption())
    .action((opts: AnomaliesOptions) => run(anomalies(opts)));

  program
    .command('detect')
    .description(
      'score a series for anomalies: reads timestamp,value CSV (ISO-8601 or epoch seconds), writes timestamp,value,anomaly_score (0–1), one point at a time as live detection would',
    )
    .addOption(
      new Option('-d, --detector <name>', 'the detector')
        .choices(DETECTORS.map((d) => d.name))
        .default(defaultDetector().name),
    )
    .option('-i, --input <file>', 'the CSV to read ("-" or none: standard input)')
    .option('-o, --output <file>', 'the CSV to write (none: standard output)')
    .addOption(
      new Option('--min <number>', "the series' known minimum (optional)").argParser(finiteNumber('--min')),
    )
    .addOption(
      new Option('--max <number>', "the series' known maximum (optional)").argParser(finiteNumber('--max')),
    )
    .action((opts: { detector: string; input?: string; output?: string; min?: number; max?: number }) =>
      run(detect({ ...opts, detectors: DETECTORS })),
    );

  const silence = program
    .command('silence')
    .description('mute alert notifications (Alertmanager silences, kept across restarts): add, ls, expire');
  silence
    .command('add')
    .description(
      'silence the alerts matching every matcher, from now for --duration; prints its id (operator role)',
    )
    .argument(
      '<matchers...>',
      'name=value, name!=value, name=~regex or name!~regex, e.g. alertname=ServiceDown service=orders',
      (value: string, previous: ApiMatcher[] | undefined) => [
        ...(previous ?? []),
        parseMatcherArgument(value),
      ],
    )
    .addOption(
      new Option('-d, --duration <duration>', 'how long, e.g. 30m, 2h, 1d')
        .argParser(parseDurationArgument)
        .default(2 * 3_600_000, '2h'),
    )
    .addOption(new Option('-c, --comment <text>', 'why (shown to whoever looks)').makeOptionMandatory())
    .addOption(new Option('--author <name>', 'who').default(process.env.USER ?? 'opsloop'))
    .addOption(fileOption())
    .addOption(stateOption())
    .action(
      (
        matchers: ApiMatcher[],
        opts: { file: string; stateDir?: string; duration: number; comment: string; author: string },
      ) =>
        run(
          silenceAdd({
            file: opts.file,
            ...(opts.stateDir === undefined ? {} : { stateDir: opts.stateDir }),
            matchers,
            durationMs: opts.duration,
            comment: opts.comment,
            author: opts.author,
          }),
        ),
    );
  silence
    .command('ls')
    .description('list active and pending silences (--expired: those ended too) (viewer role)')
    .option('--expired', 'also list expired silences')
    .addOption(fileOption())
    .addOption(stateOption())
    .addOption(outputOption())
    .action((opts: { file: string; stateDir?: string; output: 'table' | 'json'; expired?: boolean }) =>
      run(silenceList({ ...opts, expired: opts.expired ?? false })),
    );
  silence
    .command('expire')
    .description('end a silence now (operator role)')
    .argument('<id>', 'the id "silence add" printed or "silence ls" shows')
    .addOption(fileOption())
    .addOption(stateOption())
    .action((id: string, opts: { file: string; stateDir?: string }) => run(silenceExpire({ ...opts, id })));

  program
    .command('query')
    .description(
      "evaluate PromQL against the runtime's metrics (an instant, or --range for a range query) (viewer role)",
    )
    .argument('<promql>', "e.g. 'sum by (service) (rate(http_server_request_duration_seconds_count[5m]))'")
    .addOption(
      new Option('--time <time>', 'evaluation time: now, now-5m, unix seconds or RFC 3339')
        .default('now')
        .argParser((value: string) => (parseTimeArgument(value, Date.now()), value)),
    )
    .addOption(
      new Option('--range <duration>', 'a range query over this long before --time, e.g. 1h').argParser(
        parseDurationArgument,
      ),
    )
    .addOption(
      new Option('--step <duration>', 'resolution of a range query (default: range / 60)').argParser(
        parseDurationArgument,
      ),
    )
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'),
    )
    .addOption(fileOption())
    .addOption(stateOption())
    .action(
      (
        promql: string,
        opts: {
          file: string;
          stateDir?: string;
          time: string;
          range?: number;
          step?: number;
          output: 'table' | 'json';
        },
      ) =>
        run(
          query({
            file: opts.file,
            ...(opts.stateDir === undefined ? {} : { stateDir: opts.stateDir }),
            query: promql,
            time: opts.time,
            ...(opts.range === undefined ? {} : { rangeMs: opts.range }),
            ...(opts.step === undefined ? {} : { stepMs: opts.step }),
            output: opts.output,
          }),
        ),
    );

  const rollout = program
    .command('rollout')
    .description(
      'rollouts of a service (rolling, blue-green, canary): status, history, pause, resume, promote, abort, undo, restart',
    );
  rollout
    .command('status')
    .description('revision and progress of the rollout (viewer role)')
    .argument('<service>')
    .addOption(fileOption())
    .addOption(stateOption())
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((service: string, opts: { file: string; stateDir?: string; output: 'text' | 'json' }) =>
      run(rolloutStatus({ ...opts, service })),
    );
  rollout
    .command('history')
    .description('revisions kept for undo, newest last (viewer role)')
    .argument('<service>')
    .addOption(fileOption())
    .addOption(stateOption())
    .action((service: string, opts: { file: string; stateDir?: string }) =>
      run(rolloutHistory({ ...opts, service })),
    );
  for (const [action, description] of [
    ['pause', 'hold a rollout where it is: no replacement, no canary step, no promotion (operator role)'],
    ['resume', 'go on with a paused rollout (operator role)'],
    ['abort', 'stop a blue-green or canary rollout and go back to the stable revision (operator role)'],
    ['restart', 'replace every replica with a fresh one, one by one (operator role)'],
  ] as const) {
    rollout
      .command(action)
      .description(description)
      .argument('<service>')
      .addOption(fileOption())
      .addOption(stateOption())
      .action((service: string, opts: { file: string; stateDir?: string }) =>
        run(rolloutAction({ ...opts, service, action })),
      );
  }
  rollout
    .command('promote')
    .description(
      'blue-green: switch traffic to the new revision; canary: go to the next step now, or --full to promote (operator role)',
    )
    .argument('<service>')
    .option('--full', 'canary: skip the remaining steps and analyses')
    .addOption(fileOption())
    .addOption(stateOption())
    .action((service: string, opts: { file: string; stateDir?: string; full?: boolean }) =>
      run(rolloutAction({ ...opts, service, action: opts.full === true ? 'promote-full' : 'promote' })),
    );
  rollout
    .command('undo')
    .description('roll back to the previous revision, or --to-revision (operator role)')
    .argument('<service>')
    .option('--to-revision <revision>', 'a revision from "rollout history"')
    .addOption(fileOption())
    .addOption(stateOption())
    .action((service: string, opts: { file: string; stateDir?: string; toRevision?: string }) =>
      run(rolloutAction({ ...opts, service, action: 'undo' })),
    );

  const backup = program
    .command('backup')
    .description(
      "backups of every service's database (runtime.backups, services.<name>.backup): create, list, restore",
    );
  backup
    .command('create')
    .description('back up every service with backup: now (operator role)')
    .addOption(fileOption())
    .addOption(stateOption())
    .addOption(outputOption())
    .action((opts: { file: string; stateDir?: string; output: 'table' | 'json' }) => run(backupCreate(opts)));
  backup
    .command('list')
    .description('the backups, newest first (viewer role)')
    .addOption(fileOption())
    .addOption(stateOption())
    .addOption(outputOption())
    .action((opts: { file: string; stateDir?: string; output: 'table' | 'json' }) => run(backupList(opts)));
  backup
    .command('restore')
    .description(
      "replace services' data with a backup's (the replaced data is moved aside); each is stopped and started again (admin role)",
    )
    .argument('<id>', 'the backup, e.g. 20261207T190000Z (opsloop backup list)')
    .option(
      '--service <name>',
      'restore only this service (repeatable; default: every service in the backup)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--yes', 'confirm: the live data is replaced', false)
    .addOption(fileOption())
    .addOption(stateOption())
    .addOption(outputOption())
    .action(
      (
        id: string,
        opts: { file: string; stateDir?: string; service: string[]; yes: boolean; output: 'table' | 'json' },
      ) => run(backupRestore({ ...opts, id })),
    );

  const secrets = program
    .command('secrets')
    .description(
      'secrets encrypted with your key (outside the repo) and injected into services (admin role)',
    );
  secrets
    .command('set')
    .description('store a secret; the services that inject it are rolled, with no downtime')
    .argument('<name>', 'the secret, e.g. db')
    .argument(
      '[pairs...]',
      'key=value pairs (prefer --from-file: values on a command line reach shell history)',
    )
    .option(
      '--from-file <key=path>',
      "a key whose value is a file's content (repeatable)",
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .addOption(fileOption())
    .addOption(stateOption())
    .action((name: string, pairs: string[], opts: { file: string; stateDir?: string; fromFile: string[] }) =>
      run(setSecret({ ...opts, name, pairs })),
    );
  secrets
    .command('list')
    .description('names, revisions and dates of the secrets (never values)')
    .addOption(fileOption())
    .addOption(stateOption())
    .addOption(outputOption())
    .action((opts: { file: string; stateDir?: string; output: 'table' | 'json' }) => run(listSecrets(opts)));
  secrets
    .command('delete')
    .description('delete a secret no service injects any more')
    .argument('<name>', 'the secret')
    .addOption(fileOption())
    .addOption(stateOption())
    .action((name: string, opts: { file: string; stateDir?: string }) =>
      run(deleteSecret({ ...opts, name })),
    );

  const token = program
    .command('token')
    .description('manage control API tokens (admin role): create, list, revoke');
  token
    .command('create')
    .description(
      'make a named token for a role and print it once (viewer: read; operator: also scale, roll out, flags; admin: everything)',
    )
    .argument('<name>', 'a name for the audit log, e.g. ci or alice')
    .addOption(
      new Option('--role <role>', 'what the token may do')
        .choices(['viewer', 'operator', 'admin'])
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--ttl <seconds>', 'expire the token after this many seconds').argParser(
        wholeNumber('seconds', 60, 366 * 24 * 3600),
      ),
    )
    .addOption(fileOption())
    .addOption(stateOption())
    .action((name: string, opts: { file: string; stateDir?: string; role: string; ttl?: number }) =>
      run(createToken({ ...opts, name })),
    );
  token
    .command('list')
    .description('list tokens: names, roles, dates (never the tokens)')
    .addOption(fileOption())
    .addOption(stateOption())
    .addOption(outputOption())
    .action((opts: { file: string; stateDir?: string; output: 'table' | 'json' }) => run(listTokens(opts)));
  token
    .command('revoke')
    .description('revoke a token made with "token create"')
    .argument('<name>', 'the token name')
    .addOption(fileOption())
    .addOption(stateOption())
    .action((name: string, opts: { file: string; stateDir?: string }) => run(revokeToken({ ...opts, name })));

  program
    .command('dashboard')
    .description(
      'print a link that opens the web dashboard signed in with a new short-lived token (admin role to make it)',
    )
    .addOption(
      new Option(
        '--role <role>',
        'what the link may do (viewer: read; operator: also scale, roll out, flags)',
      )
        .choices(DASHBOARD_ROLES)
        .default('operator'),
    )
    .addOption(
      new Option('--ttl <seconds>', 'how long the link signs in (default 12 h)')
        .default(DEFAULT_DASHBOARD_TTL_SECONDS)
        .argParser(wholeNumber('seconds', 60, 366 * 24 * 3600)),
    )
    .addOption(fileOption())
    .addOption(stateOption())
    .action((opts: DashboardOptions) => run(dashboard(opts)));

  const chaosCommand = program
    .command('chaos')
    .description(
      'fault injection through the runtime and the service kit: list the fault library, inject a fault into a service or replica, clear it, see what runs (docs/aiops.md)',
    );
  chaosCommand
    .command('list')
    .description('the fault library: each fault, its scope and parameters with defaults (viewer role)')
    .addOption(outputOption())
    .addOption(fileOption())
    .addOption(stateOption())
    .action((opts: { file: string; stateDir?: string; output: 'table' | 'json' }) => run(chaosList(opts)));
  chaosCommand
    .command('inject')
    .description(
      'inject a fault (see `opsloop chaos list`) into every ready replica of a service, or one replica; prints the injection id (operator role)',
    )
    .argument('<fault>', 'the fault, e.g. latency, errors, crash, db-slow, bad-release, traffic-flood')
    .requiredOption('-t, --target <service>', 'the service to break')
    .option('-r, --replica <name>', 'only this replica of the service')
    .option(
      '-p, --param <key=value>',
      'a fault parameter (repeatable), e.g. --param ms=500',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .addOption(
      new Option(
        '-d, --duration <duration>',
        "how long (30s, 5m, 1h; the fault's default when absent)",
      ).argParser(parseDurationArgument),
    )
    .addOption(outputOption())
    .addOption(fileOption())
    .addOption(stateOption())
    .action(
      (
        fault: string,
        opts: {
          file: string;
          stateDir?: string;
          output: 'table' | 'json';
          target: string;
          replica?: string;
          param: string[];
          duration?: number;
        },
      ) => run(chaosInject(fault, opts)),
    );
  chaosCommand
    .command('clear')
    .description('end an injection now (operator role)')
    .argument('<id>', 'the injection id (inj-…)')
    .addOption(outputOption())
    .addOption(fileOption())
    .addOption(stateOption())
    .action((id: string, opts: { file: string; stateDir?: string; output: 'table' | 'json' }) =>
      run(chaosClear(id, opts)),
    );
  chaosCommand
    .command('status')
    .description('injections, newest first, with their status and timing; or one by id (viewer role)')
    .argument('[id]', 'one injection')
    .addOption(outputOption())
    .addOption(fileOption())
    .addOption(stateOption())
    .action((id: string | undefined, opts: { file: string; stateDir?: string; output: 'table' | 'json' }) =>
      run(chaosStatus(id, opts)),
    );

  const incidentsCommand = program
    .command('incidents')
    .description(
      'incidents correlated from anomalies, log events, alerts and changes: their root causes and remediation actions, newest first (viewer role)',
    )
    .addOption(
      new Option('--status <status>', 'only incidents in this state').choices([
        'open',
        'mitigating',
        'resolved',
        'escalated',
        'active',
      ]),
    )
    .addOption(
      new Option('-n, --limit <count>', 'at most this many incidents')
        .argParser(wholeNumber('a count', 1, 1000))
        .default(50),
    )
    .addOption(outputOption())
    .addOption(fileOption())
    .addOption(stateOption())
    .action((opts: IncidentsOptions) => run(incidentsList(opts)));
  /** -f/--state-dir belong to `incidents` (commander gives them to it wherever they are written). */
  const incidentsParent = (command: Command) => {
    const parent = command.parent!.opts<{ file: string; stateDir?: string }>();
    return { file: parent.file, ...(parent.stateDir === undefined ? {} : { stateDir: parent.stateDir }) };
  };
  incidentsCommand
    .command('show')
    .description('one incident: root causes with their evidence, actions and the timeline (viewer role)')
    .argument('<id>', 'the incident id')
    .addOption(outputOption())
    .action((id: string, opts: { output: 'table' | 'json' }, command: Command) =>
      run(incidentsShow(id, { ...incidentsParent(command), ...opts })),
    );
  incidentsCommand
    .command('proposals')
    .description(
      'remediation actions waiting for approval (runtime.aiops.remediation.mode: suggest; viewer role)',
    )
    .addOption(outputOption())
    .action((opts: { output: 'table' | 'json' }, command: Command) =>
      run(incidentsProposals({ ...incidentsParent(command), ...opts })),
    );
  for (const decision of ['approve', 'reject'] as const) {
    incidentsCommand
      .command(decision)
      .description(
        decision === 'approve'
          ? 'approve a proposed remediation action: it runs at once, guardrails checked again (operator role)'
          : 'reject a proposed remediation action: nothing is done for the incident (operator role)',
      )
      .argument('<proposal>', 'the proposal id (opsloop incidents proposals)')
      .option('--reason <text>', 'why (recorded)')
      .addOption(outputOption())
      .action((id: string, opts: { output: 'table' | 'json'; reason?: string }, command: Command) =>
        run(incidentsDecide(decision, id, { ...incidentsParent(command), ...opts })),
      );
  }

  program
    .command('audit')
    .description('show the last control API calls that changed something or were refused (admin role)')
    .addOption(
      new Option('-n, --limit <count>', 'how many records')
        .default(50)
        .argParser(wholeNumber('a count', 1, 10_000)),
    )
    .addOption(fileOption())
    .addOption(stateOption())
    .addOption(outputOption())
    .action((opts: { file: string; stateDir?: string; limit: number; output: 'table' | 'json' }) =>
      run(audit(opts)),
    );

  program
    .command('load')
    .description(
      "run the shop's user journeys against the running system's gateway and report requests, errors, p50 and p99 per endpoint",
    )
    .option(
      '--rate <n>',
      `journeys started per second, open model (default ${DEFAULT_LOAD_RATE_PER_SECOND}); a journey is 1-8 requests, one with --mix storefront=1`,
    )
    .option(
      '--duration <d>',
      `how long to run: seconds, or 90s, 5m, 1h (default ${DEFAULT_LOAD_DURATION_SECONDS}s); requests in flight finish`,
    )
    .option(
      '--target <url>',
      "the gateway to load (default: the running system's, from its state file); loopback only",
    )
    .option(
      '--mix <name=w,...>',
      'journey weights: browse, purchase, signup, storefront (default browse=6,purchase=3,signup=1)',
    )
    .option('--think <ms|min-max>', 'think time between the steps of a journey (default 0)')
    .option(
      '--source <address>',
      'send from this loopback address, e.g. 127.0.0.2: a client of its own at the gateway (limits are per IP)',
    )
    .option(
      '--clients <n>',
      'spread the journeys over n client addresses (127.1.0.1 …): users at n addresses, as a per-IP limit sees them',
    )
    .option('--seed <n>', 'seed of journey choices (default random)')
    .option('-o, --output <format>', 'table or json (default table)')
    .addOption(fileOption())
    .addOption(stateOption())
    .action((opts: LoadFlags & { file: string; stateDir?: string }) => run(load(opts)));

  const render = program
    .command('render')
    .description(
      'render the spec for Kubernetes: manifests (k8s) or a GitOps tree (kustomize); see packages/deploy',
    );
  const registryOption = () =>
    new Option('--image-registry <registry>', 'where the images live: <registry>/<service>:<tag>').default(
      DEFAULT_IMAGE_REGISTRY,
    );
  const tagOption = () =>
    new Option(
      '--image-tag <tag>',
      'image tag of every service, unless the environment pins one (never "latest")',
    ).default(DEFAULT_IMAGE_TAG);
  render
    .command('k8s')
    .description(
      'print the Kubernetes objects of the spec (or of one of its environments) as multi-document YAML, validated first',
    )
    .addOption(fileOption())
    .option(
      '--env <name>',
      "an environment of the spec's environments: (namespace, replicas, resources, host, …)",
    )
    .addOption(registryOption())
    .addOption(tagOption())
    .action((opts: RenderK8sOptions) => run(renderK8s(opts)));
  render
    .command('kustomize')
    .description(
      'write the Kustomize tree: base/, overlays/<env>/ per environment and argocd/ Applications; replaces only files it generated',
    )
    .addOption(fileOption())
    .addOption(new Option('--out <dir>', 'the folder to write').default('deploy/k8s'))
    .addOption(registryOption())
    .addOption(tagOption())
    .option(
      '--repo-url <url>',
      'git repository Argo CD follows (default https://github.com/opsloop/opsloop.git)',
    )
    .option('--revision <ref>', 'branch, tag or commit Argo CD follows (default main)')
    .option(
      '--repo-path <path>',
      "the tree's folder in the repository (default: --out relative to the spec's folder)",
    )
    .action((opts: RenderKustomizeOptions) => run(renderKustomize(opts)));

  program
    .command('budget')
    .description(
      "forecast the monthly compute cost of each environment with a budget (and the runtime's, as local): per service and against the budget, with the alert levels reached",
    )
    .addOption(fileOption())
    .option('--env <name>', 'only this environment (local: runtime.budget)')
    .option('--check', 'exit 1 when a forecast reaches 100 % of its budget')
    .addOption(outputOption())
    .action((opts: BudgetOptions) => run(budget(opts)));

  const policy = program
    .command('policy')
    .description(
      'policy as code: check manifests against the rules (images, resources, probes, budgets, security); see packages/deploy',
    );
  const collect = (value: string, previous: string[]): string[] => {
    if (value.trim() === '') throw new InvalidArgumentError('expected a registry such as ghcr.io/opsloop');
    return [...previous, value];
  };
  const allowedRegistryOption = () =>
    new Option(
      '--allowed-registry <registry>',
      'a registry images may come from, matched up to a "/" (repeatable)',
    )
      .argParser(collect)
      .default([] as string[], DEFAULT_IMAGE_REGISTRY);
  policy
    .command('check')
    .description(
      'render the spec (as render k8s does) or read --manifests, and report every policy violation: one line each, exit 1 if any',
    )
    .addOption(fileOption())
    .option('--env <name>', "render this environment of the spec's environments:")
    .option(
      '--manifests <path>',
      'check these YAML manifests instead of the spec: a multi-document file or a directory (recursively), e.g. kustomize build output',
    )
    .addOption(registryOption())
    .addOption(tagOption())
    .addOption(allowedRegistryOption())
    .addOption(outputOption())
    .action((opts: PolicyCheckOptions) => run(policyCheck(opts)));
  policy
    .command('gatekeeper')
    .description(
      'write the rules as OPA Gatekeeper ConstraintTemplates and Constraints (deploy/policy); replaces only files it generated',
    )
    .addOption(new Option('--out <dir>', 'the folder to write').default('deploy/policy'))
    .addOption(allowedRegistryOption())
    .action((opts: PolicyGatekeeperOptions) => run(policyGatekeeper(opts)));

  const pipeline = program
    .command('pipeline')
    .description(
      "the delivery pipeline on this machine (the spec's pipeline section): lint → test → build → SBOM → audit → release → staging → smoke → canary into production",
    );
  pipeline
    .command('run')
    .description(
      'run every stage in order, one line each with its duration and result; the release goes to the local staging environment, then by canary into the local production one (rolled back when its analysis fails); exit 1 when a stage fails',
    )
    .addOption(fileOption())
    .addOption(
      new Option('--skip <stages>', `stages not to run, comma-separated (${STAGE_NAMES.join(', ')})`)
        .argParser((value: string, previous: string[]) => [...previous, value])
        .default([] as string[], 'none'),
    )
    .option('--verbose', "print each command stage's output as it runs", false)
    .addOption(outputOption())
    .action((opts: PipelineRunOptions) => run(pipelineRun(opts)));
  pipeline
    .command('down')
    .description(
      "stop the local staging and production environments' runtimes (their data and releases stay)",
    )
    .addOption(fileOption())
    .addOption(
      new Option('--timeout <seconds>', 'how long to wait for each to stop')
        .argParser(positiveSeconds)
        .default(30),
    )
    .action((opts: PipelineDownOptions) => run(pipelineDown(opts)));

  program
    .command('validate')
    .description('check a spec file and report every problem with its path')
    .addOption(fileOption())
    .action((opts: { file: string }) => run(validate(opts)));

  return program;
}
