import { OpenFeature, ProviderEvents, ProviderStatus, type EventDetails } from '@openfeature/server-sdk';
import { createManualClock, type ManualClock } from '@opsloop/kit';
import { afterEach, describe, expect, it } from 'vitest';
import { FlagProviderError, FlagsArgumentError } from './flag-errors.js';
import { createFlagStore, type FlagStore } from './flag-store.js';
import { FLAGS_TOKEN_ENV, FLAGS_URL_ENV, flagsFromEnv } from './flags-from-env.js';
import { OpsloopFlagProvider, type OpsloopFlagProviderOptions } from './opsloop-provider.js';
import { startTestFlagsServer } from './test-flags-server.js';

const TOKEN = 'test-token-0123456789';
const WAIT = { timeout: 5_000, interval: 20 };

const document = {
  flags: {
    'kill-payments': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
    'new-checkout': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: { if: [{ in: [{ var: 'email' }, ['a@x']] }, 'on', 'off'] },
    },
  },
};

/** The flags endpoint as the runtime serves it: bearer token, long-poll; `store` outlives a restart on `port`. */
const serve = (store: FlagStore, port = 0) => startTestFlagsServer({ store, token: TOKEN, port });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await OpenFeature.clearProviders();
});

function provider(url: string, clock: ManualClock, options: Partial<OpsloopFlagProviderOptions> = {}) {
  const created = new OpsloopFlagProvider({
    url,
    token: TOKEN,
    clock,
    random: () => 0.5,
    backoffBaseMs: 100,
    backoffMaxMs: 1_000,
    requestTimeoutMs: 60_000,
    ...options,
  });
  cleanups.push(() => created.onClose());
  return created;
}

let domains = 0;
async function clientFor(flagProvider: OpsloopFlagProvider) {
  const domain = `flags-test-${(domains += 1)}`;
  await OpenFeature.setProviderAndWait(domain, flagProvider);
  return OpenFeature.getClient(domain);
}

describe('OpsloopFlagProvider against a local flags endpoint', () => {
  it('loads the flags once and evaluates them locally through an OpenFeature client', async () => {
    const store = createFlagStore(document);
    const server = await serve(store);
    cleanups.push(() => server.close());
    const flags = provider(server.url, createManualClock());
    const client = await clientFor(flags);
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect(flags.resourceVersion).toBe(1);
    expect(await client.getBooleanValue('kill-payments', true)).toBe(false);
    expect(await client.getBooleanDetails('new-checkout', false, { email: 'a@x' })).toMatchObject({
      value: true,
      reason: 'TARGETING_MATCH',
      variant: 'on',
    });
    expect(await client.getBooleanDetails('missing', true)).toMatchObject({
      value: true,
      errorCode: 'FLAG_NOT_FOUND',
    });
    const before = server.requests.length;
    for (let i = 0; i < 20; i += 1) await client.getBooleanValue('new-checkout', false, { email: 'b@x' });
    // Evaluations never go to the server.
    expect(server.requests.length).toBe(before);
  });

  it('applies a change made on the server after the next long-poll answer, and says which flags changed', async () => {
    const store = createFlagStore(document);
    const server = await serve(store);
    cleanups.push(() => server.close());
    const flags = provider(server.url, createManualClock());
    const client = await clientFor(flags);
    const changes: EventDetails[] = [];
    client.addHandler(ProviderEvents.ConfigurationChanged, (details) => {
      if (details) changes.push(details);
    });
    await expect.poll(() => server.requests.some((r) => r.includes('watch=1')), WAIT).toBe(true);

    store.set('kill-payments', { defaultVariant: 'on' });
    await expect.poll(() => client.getBooleanValue('kill-payments', false), WAIT).toBe(true);
    expect(flags.resourceVersion).toBe(2);
    expect(changes.map((c) => c.flagsChanged)).toEqual([['kill-payments']]);

    store.set('kill-payments', { state: 'DISABLED' });
    await expect
      .poll(() => client.getBooleanDetails('kill-payments', false), WAIT)
      .toMatchObject({
        value: false,
        reason: 'DISABLED',
      });
  });

  it('keeps the last good flags and goes Stale while the server is down, Ready when it is back', async () => {
    const store = createFlagStore(document);
    let server = await serve(store);
    const port = server.port;
    cleanups.push(() => server.close());
    const clock = createManualClock();
    const flags = provider(server.url, clock);
    const client = await clientFor(flags);
    let stale = 0;
    let ready = 0;
    const changed: string[][] = [];
    client.addHandler(ProviderEvents.Stale, () => (stale += 1));
    client.addHandler(ProviderEvents.Ready, () => (ready += 1));
    client.addHandler(ProviderEvents.ConfigurationChanged, (d) => changed.push(d?.flagsChanged ?? []));
    const readyAtStart = ready;

    await server.close();
    await expect.poll(() => stale, WAIT).toBe(1);
    expect(client.providerStatus).toBe(ProviderStatus.STALE);
    expect(await client.getBooleanDetails('kill-payments', true)).toMatchObject({
      value: false,
      reason: 'STATIC',
    });

    // More failed retries do not repeat the event.
    clock.advance(1_000);
    clock.advance(1_000);
    expect(stale).toBe(1);

    store.set('kill-payments', { defaultVariant: 'on' });
    server = await serve(store, port);
    await expect
      .poll(() => {
        // Fire the pending back-off timer; 1 s is the longest back-off and far below the request deadline.
        clock.advance(1_000);
        return ready;
      }, WAIT)
      .toBe(readyAtStart + 1);
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    await expect.poll(() => changed, WAIT).toEqual([['kill-payments']]);
    expect(await client.getBooleanValue('kill-payments', false)).toBe(true);
  });

  it('leaves no request, timer or connection behind on close, so the server can close', async () => {
    const store = createFlagStore(document);
    const server = await serve(store);
    const clock = createManualClock();
    const flags = provider(server.url, clock);
    await clientFor(flags);
    await expect.poll(() => store.waiting(), WAIT).toBe(1);
    expect(clock.pending()).toBe(1); // the watch request's deadline

    await flags.onClose();
    expect(clock.pending()).toBe(0);
    await expect.poll(() => store.waiting(), WAIT).toBe(0);
    // drain() waits for every connection to end by itself: it resolves only if the provider let go.
    await server.drain();
    const requests = server.requests.length;
    store.set('kill-payments', { defaultVariant: 'on' });
    expect(server.requests.length).toBe(requests);
  });

  it('rejects initialize with a clear error when the runtime stays unreachable, after bounded retries', async () => {
    const gone = await serve(createFlagStore(document));
    await gone.close();
    const clock = createManualClock();
    const flags = provider(gone.url, clock, { initialAttempts: 3 });
    let outcome: unknown;
    void flags.initialize().catch((error: unknown) => (outcome = error));
    await expect
      .poll(() => {
        clock.advance(1_000);
        return outcome;
      }, WAIT)
      .toBeInstanceOf(FlagProviderError);
    expect((outcome as Error).message).toMatch(
      new RegExp(`^could not load flags from ${gone.url} after 3 attempts: .*ECONNREFUSED`),
    );
    expect(clock.pending()).toBe(0);
  });

  it('rejects initialize when the token is refused', async () => {
    const server = await serve(createFlagStore(document));
    cleanups.push(() => server.close());
    const clock = createManualClock();
    const flags = provider(server.url, clock, { token: 'wrong', initialAttempts: 2 });
    let outcome: unknown;
    void flags.initialize().catch((error: unknown) => (outcome = error));
    await expect
      .poll(() => {
        clock.advance(1_000);
        return outcome;
      }, WAIT)
      .toBeInstanceOf(FlagProviderError);
    expect((outcome as Error).message).toContain('answered HTTP 401');
  });
});

/** A fetch whose answers the test hands out one by one; pending requests honour their abort signal. */
function scriptedFetch() {
  const pending: { url: string; answer: (response: Response) => void }[] = [];
  const fetch = ((input: URL, init?: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      const signal = init?.signal;
      signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      pending.push({ url: String(input), answer: resolve });
    })) as typeof globalThis.fetch;
  const next = async () => {
    await expect.poll(() => pending.length, WAIT).toBeGreaterThan(0);
    return pending.shift()!;
  };
  const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200 });
  return { fetch, next, json, waiting: () => pending.length };
}

describe('OpsloopFlagProvider edge cases', () => {
  it('keeps the last good flags when the runtime serves an invalid document, until a valid one comes', async () => {
    const script = scriptedFetch();
    const clock = createManualClock();
    const flags = provider('http://127.0.0.1:1/v1/flags', clock, { fetch: script.fetch });
    const events: string[] = [];
    flags.events.addHandler(ProviderEvents.Stale, () => events.push('stale'));
    flags.events.addHandler(ProviderEvents.Ready, () => events.push('ready'));
    flags.events.addHandler(ProviderEvents.ConfigurationChanged, (d) =>
      events.push(`changed:${String(d?.flagsChanged)}`),
    );

    const initialized = flags.initialize();
    (await script.next()).answer(script.json({ resourceVersion: 7, document }));
    await initialized;

    const watch = await script.next();
    expect(watch.url).toBe('http://127.0.0.1:1/v1/flags?watch=7&timeoutSeconds=30');
    watch.answer(script.json({ resourceVersion: 8, document: { flags: { x: { state: 'ON' } } } }));
    await expect.poll(() => events, WAIT).toEqual(['stale']);
    expect(flags.resourceVersion).toBe(8);
    expect(flags.flagSet?.flags.has('kill-payments')).toBe(true);

    const afterBad = await script.next();
    expect(afterBad.url).toContain('watch=8');
    afterBad.answer(new Response(null, { status: 204 }));
    const fixed = await script.next();
    expect(events).toEqual(['stale']);
    const next = structuredClone(document);
    next.flags['kill-payments'].defaultVariant = 'on';
    fixed.answer(script.json({ resourceVersion: 9, document: next }));
    await expect.poll(() => events, WAIT).toEqual(['stale', 'ready', 'changed:kill-payments']);
  });

  it('treats a malformed answer as a failure and recovers with a plain GET', async () => {
    const script = scriptedFetch();
    const clock = createManualClock();
    const flags = provider('http://127.0.0.1:1/v1/flags', clock, { fetch: script.fetch });
    let stale: EventDetails | undefined;
    flags.events.addHandler(ProviderEvents.Stale, (details) => (stale = details));
    const initialized = flags.initialize();
    (await script.next()).answer(script.json({ resourceVersion: 1, document }));
    await initialized;
    (await script.next()).answer(script.json({ resourceVersion: 'two', document }));
    await expect.poll(() => stale?.message, WAIT).toMatch(/resourceVersion: expected an integer/);
    // Back-off for the first failure: 100 ms base, jitter 0.5 → 75 ms.
    clock.advance(74);
    await new Promise((resolve) => setImmediate(resolve));
    expect(script.waiting()).toBe(0);
    clock.advance(1);
    const retry = await script.next();
    expect(retry.url).toBe('http://127.0.0.1:1/v1/flags');
  });

  it('does not spin when the server answers a watch at once with the same version', async () => {
    const script = scriptedFetch();
    const clock = createManualClock();
    const logged: string[] = [];
    const record = (_fields: object, message: string) => void logged.push(message);
    const log = { debug: record, info: record, warn: record, error: record };
    const flags = provider('http://127.0.0.1:1/v1/flags', clock, { fetch: script.fetch, log });
    const initialized = flags.initialize();
    (await script.next()).answer(script.json({ resourceVersion: 3, document }));
    await initialized;
    (await script.next()).answer(script.json({ resourceVersion: 3, document }));
    await expect.poll(() => logged, WAIT).toContain('flags endpoint ignored the watch; polling');
    expect(clock.pending()).toBe(1); // the pause, not a new request's deadline
    expect(script.waiting()).toBe(0);
    clock.advance(1_000);
    expect((await script.next()).url).toContain('watch=3');
  });

  it('gives up a request that outlives its deadline', async () => {
    const script = scriptedFetch();
    const clock = createManualClock();
    const flags = provider('http://127.0.0.1:1/v1/flags', clock, {
      fetch: script.fetch,
      initialAttempts: 1,
      requestTimeoutMs: 2_000,
    });
    const initialized = flags.initialize();
    await script.next();
    clock.advance(2_000);
    await expect(initialized).rejects.toThrow(/no answer from .* within 2000 ms/);
  });

  it('answers PROVIDER_NOT_READY before it is initialised', async () => {
    const flags = provider('http://127.0.0.1:1/v1/flags', createManualClock());
    expect(await flags.resolveBooleanEvaluation('x', true, {})).toMatchObject({
      value: true,
      errorCode: 'PROVIDER_NOT_READY',
    });
  });

  it('names a bad option', () => {
    expect(() => new OpsloopFlagProvider({ url: 'not a url' })).toThrow(FlagsArgumentError);
    expect(() => new OpsloopFlagProvider({ url: 'ftp://x/flags' })).toThrow(
      /^url: expected an http\(s\) URL/,
    );
    expect(() => new OpsloopFlagProvider({ url: 'http://x', watchTimeoutSeconds: 0 })).toThrow(
      /^watchTimeoutSeconds: /,
    );
  });
});

describe('flagsFromEnv', () => {
  it('builds the provider from OPSLOOP_FLAGS_URL and OPSLOOP_FLAGS_TOKEN', async () => {
    const store = createFlagStore(document);
    const server = await serve(store);
    cleanups.push(() => server.close());
    const flags = flagsFromEnv(
      { [FLAGS_URL_ENV]: server.url, [FLAGS_TOKEN_ENV]: TOKEN },
      { clock: createManualClock() },
    );
    expect(flags).toBeInstanceOf(OpsloopFlagProvider);
    cleanups.push(() => flags!.onClose());
    const client = await clientFor(flags!);
    expect(await client.getBooleanValue('kill-payments', true)).toBe(false);
  });

  it('returns undefined without a URL and names a bad one', () => {
    expect(flagsFromEnv({})).toBeUndefined();
    expect(flagsFromEnv({ [FLAGS_URL_ENV]: ' ', [FLAGS_TOKEN_ENV]: TOKEN })).toBeUndefined();
    expect(() => flagsFromEnv({ [FLAGS_URL_ENV]: 'localhost:4000' })).toThrow(
      'OPSLOOP_FLAGS_URL: expected an http(s) URL, got "localhost:4000"',
    );
  });
});
