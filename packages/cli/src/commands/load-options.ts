import { isIP } from 'node:net';
import { isLoopbackUrl, MAX_CLIENTS, parseMix, type RunLoadOptions } from '@opsloop/loadgen';
import { CliError } from '../cli-error.js';
import { parseDurationArgument } from './time-arguments.js';

/** Exit code of `opsloop load` for a bad flag or value (the loadgen's own CLI uses the same). */
export const LOAD_USAGE_EXIT = 2;

/** Journeys started per second when `--rate` is not given. */
export const DEFAULT_LOAD_RATE_PER_SECOND = 10;
/** Length of a run when `--duration` is not given. */
export const DEFAULT_LOAD_DURATION_SECONDS = 60;
/** Highest `--rate`: the loadgen's own bound. */
export const MAX_LOAD_RATE = 100_000;
/** Longest `--duration`: one day (the loadgen's own bound). */
export const MAX_LOAD_DURATION_SECONDS = 86_400;

/** The flags of `opsloop load` as commander hands them over: strings, checked here. */
export interface LoadFlags {
  rate?: string;
  duration?: string;
  target?: string;
  mix?: string;
  think?: string;
  source?: string;
  clients?: string;
  seed?: string;
  output?: string;
}

/** What a run needs, parsed: the loadgen's options without the target, and the output format. */
export interface ParsedLoadFlags {
  /** The `--target`, or undefined to take the running system's gateway. */
  target: string | undefined;
  rate: number;
  durationSeconds: number;
  output: 'table' | 'json';
  run: Omit<RunLoadOptions, 'baseUrl' | 'rate' | 'durationSeconds'>;
}

const usage = (message: string): CliError => new CliError(`load: ${message}`, LOAD_USAGE_EXIT);

function rateOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LOAD_RATE_PER_SECOND;
  const rate = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(rate > 0) || rate > MAX_LOAD_RATE)
    throw usage(`--rate: expected journeys per second, > 0 and ≤ ${MAX_LOAD_RATE}, got "${text}"`);
  return rate;
}

function durationOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LOAD_DURATION_SECONDS;
  let ms: number;
  try {
    // A bare number is seconds, as in the loadgen's own CLI; otherwise 90s, 5m, 1h30m, 500ms.
    ms = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : parseDurationArgument(text);
  } catch (error) {
    throw usage(`--duration: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!(ms > 0) || ms > MAX_LOAD_DURATION_SECONDS * 1000)
    throw usage(`--duration: expected more than 0 and at most 24h, got "${text}"`);
  return ms / 1000;
}

function targetOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usage(`--target: expected an http(s) URL, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw usage(`--target: expected an http(s) URL, got "${text}"`);
  if (!isLoopbackUrl(url))
    throw usage(`--target: ${url.host} is not a loopback address (only this machine can be loaded)`);
  return text;
}

function thinkOf(text: string | undefined): RunLoadOptions['thinkTimeMs'] {
  if (text === undefined) return undefined;
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (match === null) throw usage(`--think: expected ms or min-max (e.g. 200 or 100-500), got "${text}"`);
  const low = Number(match[1]);
  const high = match[2] === undefined ? undefined : Number(match[2]);
  if (high !== undefined && high < low)
    throw usage(`--think: expected min-max with min ≤ max, got "${text}"`);
  return high === undefined ? low : [low, high];
}

function sourceOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const host = isIP(text) === 6 ? `[${text}]` : text;
  if (isIP(text) === 0 || !isLoopbackUrl(`http://${host}/`))
    throw usage(`--source: expected a loopback address such as 127.0.0.2, got "${text}"`);
  return text;
}

function clientsOf(text: string | undefined, source: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const clients = Number(text);
  if (!/^\d+$/.test(text) || clients < 1 || clients > MAX_CLIENTS)
    throw usage(`--clients: expected an integer 1-${MAX_CLIENTS}, got "${text}"`);
  if (source !== undefined && clients > 1) throw usage('--clients: give --source or --clients, not both');
  return clients;
}

function seedOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seed = Number(text);
  if (!/^\d+$/.test(text) || seed > 0xffffffff)
    throw usage(`--seed: expected an integer 0-4294967295, got "${text}"`);
  return seed;
}

/**
 * Checks every flag of `opsloop load`; the first bad one is a {@link CliError} of one line with exit code
 * {@link LOAD_USAGE_EXIT}. Only loopback targets and source addresses are accepted.
 */
export function parseLoadFlags(flags: LoadFlags): ParsedLoadFlags {
  const output = flags.output ?? 'table';
  if (output !== 'table' && output !== 'json')
    throw usage(`-o/--output: expected table or json, got "${output}"`);
  let mix: RunLoadOptions['mix'];
  try {
    mix = flags.mix === undefined ? undefined : parseMix(flags.mix);
  } catch (error) {
    throw usage(`--${error instanceof Error ? error.message : String(error)}`);
  }
  const think = thinkOf(flags.think);
  const source = sourceOf(flags.source);
  const clients = clientsOf(flags.clients, source);
  const seed = seedOf(flags.seed);
  return {
    target: targetOf(flags.target),
    rate: rateOf(flags.rate),
    durationSeconds: durationOf(flags.duration),
    output,
    run: {
      ...(mix === undefined ? {} : { mix }),
      ...(think === undefined ? {} : { thinkTimeMs: think }),
      ...(source === undefined ? {} : { sourceAddress: source }),
      ...(clients === undefined ? {} : { clients }),
      ...(seed === undefined ? {} : { seed }),
    },
  };
}
