import type { Clock } from '@opsloop/kit';
import { formatReport, LoadOptionsError, RemoteTargetError, runLoad } from '@opsloop/loadgen';
import { CliError } from '../cli-error.js';
import { findRuntime, stateDirFor } from '../control-client.js';
import { LOAD_USAGE_EXIT, parseLoadFlags, type LoadFlags } from './load-options.js';
import { summarizeLoad } from './load-summary.js';

/** Options of {@link load}: the command's flags, where the running system is, and the process around it. */
export interface LoadCommandOptions extends LoadFlags {
  file: string;
  stateDir?: string;
  /** Where the report goes (stdout by default). */
  write?: (text: string) => void;
  /** Ends the run early, its report still printed (Ctrl-C by default). */
  signal?: AbortSignal;
  clock?: Clock;
}

/** The running system's gateway, from the state file the other commands read. */
async function gatewayOf(options: { file: string; stateDir?: string }): Promise<string> {
  const state = await findRuntime(stateDirFor(options));
  const gateway = state.endpoints.gateway;
  if (gateway === undefined)
    throw new CliError('load: the running system exposes no gateway; pass --target <url>');
  return gateway;
}

/** Runs until done or `signal` (else Ctrl-C); resolves to the report. */
async function withInterrupt<T>(signal: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>) {
  if (signal !== undefined) return work(signal);
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', interrupt);
  }
}

/**
 * `opsloop load`: runs the shop's user journeys (the loadgen's open model, `--rate` journeys per second) for
 * `--duration` against `--target` or the running system's gateway, and prints requests, errors, p50 and p99
 * per endpoint and in total (a table, or JSON with `-o json`). Resolves to the exit code: 0 after a run
 * (errors of the system under load are results, not failures of the command), 2 for a bad flag.
 */
export async function load(options: LoadCommandOptions): Promise<number> {
  const flags = parseLoadFlags(options);
  const target = flags.target ?? (await gatewayOf(options));
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  let report;
  try {
    report = await withInterrupt(options.signal, (signal) =>
      runLoad({
        ...flags.run,
        baseUrl: target,
        rate: flags.rate,
        durationSeconds: flags.durationSeconds,
        signal,
        ...(options.clock === undefined ? {} : { clock: options.clock }),
      }),
    );
  } catch (error) {
    if (error instanceof LoadOptionsError || error instanceof RemoteTargetError)
      throw new CliError(`load: ${error.message}`, LOAD_USAGE_EXIT);
    throw error;
  }
  write(
    flags.output === 'json' ? `${JSON.stringify(summarizeLoad(report), null, 2)}\n` : formatReport(report),
  );
  return 0;
}
