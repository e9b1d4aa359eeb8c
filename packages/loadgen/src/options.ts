import { z } from 'zod';
import { DEFAULT_MIX, JOURNEY_NAMES, type JourneyName } from './journeys.js';
import { isLoopbackUrl } from './target.js';

/** Raised for options a run cannot start with; the message names every bad option. */
export class LoadOptionsError extends RangeError {
  override readonly name = 'LoadOptionsError';
}

/** Default bound on the run's length. */
export const DEFAULT_DURATION_SECONDS = 60;
/** Default deadline of one request. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Default cap of journeys in flight in the open model. */
export const DEFAULT_MAX_IN_FLIGHT = 1000;

/** Most client addresses a run spreads its journeys over (127.1.0.1 …). */
export const MAX_CLIENTS = 65_534;

/** The local address of client `i` (0-based) of a run with many: 127.1.0.1, 127.1.0.2, …, 127.1.1.0, … */
export function clientAddress(i: number): string {
  const n = i + 1;
  return `127.1.${Math.floor(n / 256)}.${n % 256}`;
}

const milliseconds = z.number().finite().min(0).max(3_600_000);

/** The data options of a run (see {@link RunLoadOptions} for their meaning). */
export const runLoadOptionsSchema = z
  .object({
    baseUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
    mix: z
      .partialRecord(z.enum(JOURNEY_NAMES), z.number().finite().min(0).max(1_000_000))
      .optional()
      .refine(
        (mix) => mix === undefined || Object.values(mix).some((weight) => weight > 0),
        'at least one journey needs a positive weight',
      ),
    rate: z.number().finite().positive().max(100_000).optional(),
    concurrency: z.number().int().min(1).max(10_000).optional(),
    thinkTimeMs: z
      .union([milliseconds, z.tuple([milliseconds, milliseconds])])
      .optional()
      .refine((think) => !Array.isArray(think) || think[0] <= think[1], 'expected [min, max] with min ≤ max'),
    maxJourneys: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    durationSeconds: z.number().finite().positive().max(86_400).default(DEFAULT_DURATION_SECONDS),
    seed: z.number().int().min(0).max(0xffffffff).optional(),
    timeoutMs: z.number().int().min(1).max(600_000).default(DEFAULT_TIMEOUT_MS),
    maxInFlight: z.number().int().min(1).max(100_000).default(DEFAULT_MAX_IN_FLIGHT),
    arrivals: z.enum(['uniform', 'poisson']).default('uniform'),
    connections: z.number().int().min(1).max(10_000).optional(),
    allowRemote: z.boolean().default(false),
    sourceAddress: z.union([z.ipv4(), z.ipv6()], 'expected an IP address').optional(),
    clients: z.number().int().min(1).max(MAX_CLIENTS).default(1),
  })
  .refine((options) => !(options.rate !== undefined && options.concurrency !== undefined), {
    message: 'give rate (open model) or concurrency (closed model), not both',
    path: ['rate'],
  })
  .refine(
    (options) =>
      options.sourceAddress === undefined ||
      options.allowRemote ||
      isLoopbackUrl(
        `http://${options.sourceAddress.includes(':') ? `[${options.sourceAddress}]` : options.sourceAddress}/`,
      ),
    {
      message: 'expected a loopback address (127.0.0.0/8 or ::1) unless allowRemote',
      path: ['sourceAddress'],
    },
  )
  .refine((options) => options.clients === 1 || options.sourceAddress === undefined, {
    message: 'give sourceAddress (one client) or clients (many), not both',
    path: ['clients'],
  })
  .refine((options) => options.clients === 1 || /^http:\/\/(127\.|localhost[:/])/.test(options.baseUrl), {
    message: 'clients > 1 sends from 127.1.0.0/16: the target must be an IPv4 loopback address',
    path: ['clients'],
  });

/** Options as parsed, defaults applied. */
export type ParsedLoadOptions = z.infer<typeof runLoadOptionsSchema>;

/** Parses run options; throws {@link LoadOptionsError} naming every bad one. */
export function parseLoadOptions(options: unknown): ParsedLoadOptions {
  const result = runLoadOptionsSchema.safeParse(options);
  if (result.success) return result.data;
  throw new LoadOptionsError(
    result.error.issues
      .map((issue) => `${issue.path.map(String).join('.') || 'options'}: ${issue.message}`)
      .join('; '),
  );
}

/** The positive weights of a mix (the default mix when none is given), in a stable order. */
export function mixEntries(mix: Partial<Record<JourneyName, number>> | undefined): [JourneyName, number][] {
  const weights = mix ?? DEFAULT_MIX;
  return JOURNEY_NAMES.map((name): [JourneyName, number] => [name, weights[name] ?? 0]).filter(
    ([, weight]) => weight > 0,
  );
}

/** Parses a mix written `browse=6,purchase=3` (the CLI's form). */
export function parseMix(text: string): Partial<Record<JourneyName, number>> {
  const mix: Partial<Record<JourneyName, number>> = {};
  for (const part of text.split(',')) {
    const match = /^\s*([a-z]+)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (match === null) throw new LoadOptionsError(`mix: expected name=weight[,…], got "${part}"`);
    const [, name, weight] = match;
    if (!(JOURNEY_NAMES as readonly string[]).includes(name!))
      throw new LoadOptionsError(`mix: unknown journey "${name}" (known: ${JOURNEY_NAMES.join(', ')})`);
    mix[name as JourneyName] = Number(weight);
  }
  return mix;
}
