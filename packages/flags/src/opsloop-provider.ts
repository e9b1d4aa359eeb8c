import { ProviderEvents } from '@openfeature/server-sdk';
import { systemClock, type Clock, type TimerHandle } from '@opsloop/kit';
import { backoffDelay } from './backoff.js';
import { changedFlagKeys, parseFlagDefinitions, type FlagSet } from './flag-definitions.js';
import { isJsonObject, type FlagdDocument } from './flag-document.js';
import { FlagProviderError, FlagsArgumentError } from './flag-errors.js';
import { FlagSetProvider } from './flag-set-provider.js';
import type { FlagSnapshot } from './flag-store.js';
import { TIMEOUT_SECONDS_PARAM, WATCH_PARAM } from './flags-endpoint.js';
import { createHttpFetch, type HttpFetch } from './http-fetch.js';
import { silentFlagsLog, type FlagsLog } from './flags-log.js';

/** Options of {@link OpsloopFlagProvider}. */
export interface OpsloopFlagProviderOptions {
  /** The runtime's flags endpoint (see the package README for its wire format). */
  url: string | URL;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /**
   * The fetch to use for GETs. By default the provider uses node:http(s) with a connection pool of its own,
   * which `onClose()` shuts; inject a fetch to use a custom transport (e.g. an undici dispatcher).
   */
  fetch?: typeof globalThis.fetch;
  log?: FlagsLog;
  /** Times request deadlines and back-off; the system clock by default. */
  clock?: Clock;
  /** Jitter source in [0, 1); Math.random by default. */
  random?: () => number;
  /** How long the runtime may hold a watch request (default 30 s). */
  watchTimeoutSeconds?: number;
  /** Deadline of a plain GET, and the grace beyond `watchTimeoutSeconds` for a watch (default 5 000 ms). */
  requestTimeoutMs?: number;
  /** Loads tried by `initialize()` before it rejects (default 5). */
  initialAttempts?: number;
  /** First retry delay (default 200 ms); it doubles per failure up to `backoffMaxMs`, with jitter. */
  backoffBaseMs?: number;
  /** Longest retry delay (default 5 000 ms). */
  backoffMaxMs?: number;
}

function positive(field: string, value: number | undefined, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new FlagsArgumentError(
      field,
      `expected a positive ${integer ? 'integer' : 'number'}, got ${value}`,
    );
  }
  return value;
}

function parseUrl(value: string | URL): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new FlagsArgumentError('url', `expected an http(s) URL, got ${JSON.stringify(String(value))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FlagsArgumentError('url', `expected an http(s) URL, got ${JSON.stringify(url.href)}`);
  }
  return url;
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch reports "fetch failed" and hides the reason (ECONNREFUSED, …) in `cause`.
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/**
 * The OpenFeature provider of services run by opsloop. `initialize()` loads the flags from the runtime's
 * endpoint once; a background long-poll then applies each change within moments of it being made and emits
 * ConfigurationChanged with the changed keys. Evaluation reads the local copy only. When the runtime
 * cannot be reached the last good flags stay in use, the provider emits Stale, retries with bounded,
 * jittered back-off and emits Ready once it is back. `onClose()` ends the loop, its request and its timers.
 */
export class OpsloopFlagProvider extends FlagSetProvider {
  /** Names the provider in OpenFeature's metadata. */
  readonly metadata = { name: 'opsloop' } as const;
  readonly #url: URL;
  readonly #headers: Record<string, string>;
  readonly #fetch: typeof globalThis.fetch;
  readonly #ownFetch: HttpFetch | undefined;
  readonly #log: FlagsLog;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #watchSeconds: number;
  readonly #requestTimeoutMs: number;
  readonly #initialAttempts: number;
  readonly #backoffBaseMs: number;
  readonly #backoffMaxMs: number;
  #flagSet: FlagSet | undefined;
  #version: number | undefined;
  #stale = false;
  #closed = false;
  #loop: Promise<void> | undefined;
  #request: AbortController | undefined;
  #sleepTimer: TimerHandle | undefined;
  #wake: (() => void) | undefined;

  /** @throws FlagsArgumentError for a bad option, naming it. */
  constructor(options: OpsloopFlagProviderOptions) {
    super();
    this.#url = parseUrl(options.url);
    this.#headers = { accept: 'application/json' };
    if (options.token !== undefined) this.#headers.authorization = `Bearer ${options.token}`;
    this.#ownFetch = options.fetch ? undefined : createHttpFetch();
    this.#fetch = options.fetch ?? this.#ownFetch!.fetch;
    this.#log = options.log ?? silentFlagsLog;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#watchSeconds = positive('watchTimeoutSeconds', options.watchTimeoutSeconds, 30, true);
    this.#requestTimeoutMs = positive('requestTimeoutMs', options.requestTimeoutMs, 5_000);
    this.#initialAttempts = positive('initialAttempts', options.initialAttempts, 5, true);
    this.#backoffBaseMs = positive('backoffBaseMs', options.backoffBaseMs, 200);
    this.#backoffMaxMs = positive('backoffMaxMs', options.backoffMaxMs, 5_000);
  }

  /** The flags evaluations use now; undefined until `initialize()` has loaded them. */
  get flagSet(): FlagSet | undefined {
    return this.#flagSet;
  }

  /** The resourceVersion of the flags in use. */
  get resourceVersion(): number | undefined {
    return this.#version;
  }

  /**
   * Loads the flags, retrying with back-off up to `initialAttempts` times, then starts watching.
   * @throws FlagProviderError when the runtime cannot be reached or serves no valid document.
   */
  async initialize(): Promise<void> {
    if (this.#loop !== undefined) return;
    this.#closed = false;
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.#initialAttempts; attempt += 1) {
      try {
        const snapshot = await this.#get(undefined);
        if (snapshot === undefined) throw new FlagProviderError('the runtime answered 204 to a plain GET');
        this.#flagSet = parseFlagDefinitions(snapshot.document);
        this.#version = snapshot.resourceVersion;
        this.#log.info({ url: this.#url.href, resourceVersion: this.#version }, 'flags loaded');
        this.#loop = this.#watch().catch((error: unknown) => {
          // Unreachable by design (the loop handles its errors); never let it become an unhandled rejection.
          this.#log.error({ err: messageOf(error) }, 'flags watch loop ended unexpectedly');
        });
        return;
      } catch (error) {
        if (this.#closed) throw new FlagProviderError('the provider was closed while initialising');
        lastError = error;
        this.#log.warn({ url: this.#url.href, attempt, err: messageOf(error) }, 'flags not loaded yet');
        if (attempt < this.#initialAttempts) {
          await this.#sleep(backoffDelay(attempt, this.#backoffBaseMs, this.#backoffMaxMs, this.#random));
        }
      }
    }
    throw new FlagProviderError(
      `could not load flags from ${this.#url.href} after ${this.#initialAttempts} attempts: ${messageOf(lastError)}`,
      { cause: lastError },
    );
  }

  /**
   * Stops watching: aborts the pending request, cancels timers, waits for the loop to end and closes the
   * provider's connections.
   */
  async onClose(): Promise<void> {
    this.#closed = true;
    this.#request?.abort();
    this.#wake?.();
    const loop = this.#loop;
    this.#loop = undefined;
    await loop;
    this.#ownFetch?.close();
  }

  async #watch(): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      try {
        // After a failure a plain GET answers at once, so Ready comes back without waiting a long-poll out.
        const watched = failures > 0 ? undefined : this.#version;
        const snapshot = await this.#get(watched);
        failures = 0;
        if (this.#closed) return;
        if (snapshot !== undefined) this.#apply(snapshot);
        if (watched !== undefined && snapshot?.resourceVersion === watched) {
          // The server answered a watch without waiting (it does not long-poll): poll gently, not in a hot loop.
          this.#log.debug({ url: this.#url.href }, 'flags endpoint ignored the watch; polling');
          await this.#sleep(this.#backoffMaxMs);
        }
      } catch (error) {
        if (this.#closed) return;
        failures += 1;
        const delay = backoffDelay(failures, this.#backoffBaseMs, this.#backoffMaxMs, this.#random);
        this.#markStale(`flags endpoint unreachable: ${messageOf(error)}`, { failures, retryInMs: delay });
        await this.#sleep(delay);
      }
    }
  }

  #apply(snapshot: FlagSnapshot): void {
    let next: FlagSet;
    try {
      next = parseFlagDefinitions(snapshot.document);
    } catch (error) {
      // Waiting on this version means the next change, hopefully a fix, wakes us; the last good flags stay.
      this.#version = snapshot.resourceVersion;
      this.#markStale(`the runtime served an invalid flag document: ${messageOf(error)}`, {
        resourceVersion: snapshot.resourceVersion,
      });
      return;
    }
    const changed = changedFlagKeys(this.#flagSet, next);
    this.#flagSet = next;
    this.#version = snapshot.resourceVersion;
    if (this.#stale) this.#markReady();
    if (changed.length > 0) {
      this.#log.info({ resourceVersion: this.#version, flagsChanged: changed }, 'flags changed');
      this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: changed });
    }
  }

  #markStale(message: string, fields: object): void {
    if (this.#stale) {
      this.#log.debug({ url: this.#url.href, ...fields, reason: message }, 'flags still stale');
      return;
    }
    this.#stale = true;
    this.#log.warn(
      { url: this.#url.href, ...fields, reason: message },
      'flags stale: keeping the last good copy',
    );
    this.events.emit(ProviderEvents.Stale, { message });
  }

  #markReady(): void {
    this.#stale = false;
    this.#log.info({ url: this.#url.href, resourceVersion: this.#version }, 'flags fresh again');
    this.events.emit(ProviderEvents.Ready, { message: 'flags endpoint reachable again' });
  }

  /** One GET: a snapshot, or undefined when a watch timed out unchanged (204). */
  async #get(watch: number | undefined): Promise<FlagSnapshot | undefined> {
    const url = new URL(this.#url);
    let deadlineMs = this.#requestTimeoutMs;
    if (watch !== undefined) {
      url.searchParams.set(WATCH_PARAM, String(watch));
      url.searchParams.set(TIMEOUT_SECONDS_PARAM, String(this.#watchSeconds));
      deadlineMs += this.#watchSeconds * 1000;
    }
    const controller = new AbortController();
    this.#request = controller;
    const deadline = this.#clock.after(deadlineMs, () =>
      controller.abort(new FlagProviderError(`no answer from ${url.href} within ${deadlineMs} ms`)),
    );
    try {
      const response = await this.#fetch(url, { headers: this.#headers, signal: controller.signal });
      if (response.status === 204 && watch !== undefined) {
        await response.body?.cancel();
        return undefined;
      }
      if (response.status !== 200) {
        const text = await response.text().catch(() => '');
        const detail = text === '' ? '' : `: ${text.slice(0, 200)}`;
        throw new FlagProviderError(`GET ${url.href} answered HTTP ${response.status}${detail}`);
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch (error) {
        throw new FlagProviderError(`GET ${url.href} answered invalid JSON: ${messageOf(error)}`);
      }
      return toSnapshot(body, url.href);
    } finally {
      deadline.cancel();
      if (this.#request === controller) this.#request = undefined;
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.#closed) {
        resolve();
        return;
      }
      const done = (): void => {
        this.#sleepTimer?.cancel();
        this.#sleepTimer = undefined;
        this.#wake = undefined;
        resolve();
      };
      this.#wake = done;
      this.#sleepTimer = this.#clock.after(ms, done);
    });
  }
}

function toSnapshot(body: unknown, source: string): FlagSnapshot {
  if (!isJsonObject(body)) throw new FlagProviderError(`GET ${source}: expected a JSON object`);
  const { resourceVersion, document } = body;
  if (typeof resourceVersion !== 'number' || !Number.isSafeInteger(resourceVersion)) {
    throw new FlagProviderError(`GET ${source}: resourceVersion: expected an integer`);
  }
  if (!isJsonObject(document)) throw new FlagProviderError(`GET ${source}: document: expected an object`);
  return { resourceVersion, document: document as unknown as FlagdDocument };
}
