import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '@opsloop/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlagDefinitionError, FlagFileError, FlagsArgumentError, UnknownFlagError } from './flag-errors.js';
import { loadFlagFile } from './flag-file.js';
import { createFlagStore } from './flag-store.js';
import { answerFlagsRequest } from './flags-endpoint.js';

const document = {
  flags: {
    'kill-payments': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
    'banner-color': { state: 'ENABLED', variants: { red: '#f00', blue: '#00f' }, defaultVariant: 'red' },
  },
};

describe('createFlagStore', () => {
  it('holds a document and bumps resourceVersion on every change', () => {
    const store = createFlagStore(document);
    expect(store.snapshot()).toEqual({ resourceVersion: 1, document });
    expect(store.list().map((f) => f.key)).toEqual(['kill-payments', 'banner-color']);
    const after = store.set('kill-payments', { defaultVariant: 'on' });
    expect(after.resourceVersion).toBe(2);
    expect(store.get('kill-payments')?.defaultVariant).toBe('on');
    expect(store.flagSet().flags.get('kill-payments')?.defaultVariant).toBe('on');
    expect(store.replace(JSON.stringify(document)).resourceVersion).toBe(3);
    expect(store.get('kill-payments')?.defaultVariant).toBe('off');
  });

  it('does not bump the version for a change that changes nothing', () => {
    const store = createFlagStore(document);
    expect(store.set('kill-payments', { defaultVariant: 'off' }).resourceVersion).toBe(1);
    expect(store.replace(document).resourceVersion).toBe(1);
  });

  it('starts empty, or from a chosen version', () => {
    expect(createFlagStore().list()).toEqual([]);
    expect(createFlagStore(document, { firstVersion: 1_700_000 }).resourceVersion).toBe(1_700_000);
    expect(() => createFlagStore(document, { firstVersion: -1 })).toThrow(FlagsArgumentError);
  });

  it('rejects an invalid change and keeps the current flags', () => {
    const store = createFlagStore(document);
    expect(() => store.set('kill-payments', { defaultVariant: 'maybe' })).toThrow(FlagDefinitionError);
    expect(() => store.set('kill-everything', { state: 'DISABLED' })).toThrow(UnknownFlagError);
    expect(() => store.replace({ flags: { x: { state: 'ON' } } })).toThrow(/flags\.x\.state/);
    expect(() => createFlagStore('{')).toThrow(/invalid JSON/);
    expect(store.snapshot()).toEqual({ resourceVersion: 1, document });
  });

  describe('waitForChange', () => {
    it('resolves with the next snapshot when a flag is set', async () => {
      const store = createFlagStore(document, { clock: createManualClock() });
      const waiting = store.waitForChange(1, 30_000);
      expect(store.waiting()).toBe(1);
      store.set('kill-payments', { state: 'DISABLED' });
      const snapshot = await waiting;
      expect(snapshot?.resourceVersion).toBe(2);
      expect(snapshot?.document.flags['kill-payments']?.state).toBe('DISABLED');
      expect(store.waiting()).toBe(0);
    });

    it('answers at once when the version already differs (no lost updates)', async () => {
      const store = createFlagStore(document);
      store.set('kill-payments', { defaultVariant: 'on' });
      expect((await store.waitForChange(1, 30_000))?.resourceVersion).toBe(2);
      // A watcher from before a runtime restart (higher version) also gets the current document.
      expect((await store.waitForChange(99, 30_000))?.resourceVersion).toBe(2);
    });

    it('times out with undefined and leaves no timer', async () => {
      const clock = createManualClock();
      const store = createFlagStore(document, { clock });
      const waiting = store.waitForChange(1, 10_000);
      expect(clock.pending()).toBe(1);
      clock.advance(9_999);
      expect(store.waiting()).toBe(1);
      clock.advance(1);
      expect(await waiting).toBeUndefined();
      expect(clock.pending()).toBe(0);
      expect(store.waiting()).toBe(0);
    });

    it('ends on abort, removing its timer and its abort listener', async () => {
      const clock = createManualClock();
      const store = createFlagStore(document, { clock });
      const controller = new AbortController();
      let listeners = 0;
      const signal = controller.signal;
      const add = signal.addEventListener.bind(signal);
      const remove = signal.removeEventListener.bind(signal);
      signal.addEventListener = (...args: Parameters<AbortSignal['addEventListener']>) => {
        listeners += 1;
        add(...args);
      };
      signal.removeEventListener = (...args: Parameters<AbortSignal['removeEventListener']>) => {
        listeners -= 1;
        remove(...args);
      };
      const settled = [store.waitForChange(1, 60_000, signal), store.waitForChange(1, 60_000)];
      expect(listeners).toBe(1);
      controller.abort();
      expect(await settled[0]).toBeUndefined();
      expect(listeners).toBe(0);
      expect(store.waiting()).toBe(1);
      expect(clock.pending()).toBe(1);
      // A change after the abort reaches the other waiter only, and cleans up its listener and timer.
      store.set('banner-color', { defaultVariant: 'blue' });
      expect((await settled[1])?.resourceVersion).toBe(2);
      expect(clock.pending()).toBe(0);
      expect(await store.waitForChange(2, 60_000, controller.signal)).toBeUndefined();
      expect(store.waiting()).toBe(0);
    });

    it('ends every wait on close', async () => {
      const clock = createManualClock();
      const store = createFlagStore(document, { clock });
      const waits = [store.waitForChange(1, 60_000), store.waitForChange(1, 60_000)];
      store.close();
      expect(await Promise.all(waits)).toEqual([undefined, undefined]);
      expect(clock.pending()).toBe(0);
      expect(await store.waitForChange(1, 60_000)).toBeUndefined();
    });

    it('rejects bad arguments by name', () => {
      const store = createFlagStore(document);
      expect(() => store.waitForChange(1.5, 10)).toThrow('afterVersion: expected an integer');
      expect(() => store.waitForChange(1, -1)).toThrow(/^timeoutMs: /);
      expect(() => store.waitForChange(1, Number.POSITIVE_INFINITY)).toThrow(FlagsArgumentError);
      expect(() => store.waitForChange(1, 2 ** 31)).toThrow(FlagsArgumentError);
    });
  });
});

describe('answerFlagsRequest', () => {
  it('answers a plain GET at once and a watch on change or with 204 on timeout', async () => {
    const clock = createManualClock();
    const store = createFlagStore(document, { clock });
    expect(await answerFlagsRequest(store, new URLSearchParams())).toEqual({
      status: 200,
      body: { resourceVersion: 1, document },
    });
    const timedOut = answerFlagsRequest(store, new URLSearchParams({ watch: '1', timeoutSeconds: '5' }));
    clock.advance(5_000);
    expect(await timedOut).toEqual({ status: 204 });
    const changed = answerFlagsRequest(store, new URLSearchParams({ watch: '1' }));
    store.set('kill-payments', { defaultVariant: 'on' });
    expect(await changed).toMatchObject({ status: 200, body: { resourceVersion: 2 } });
  });

  it('caps the hold time and names bad parameters', async () => {
    const clock = createManualClock();
    const store = createFlagStore(document, { clock });
    const capped = answerFlagsRequest(
      store,
      new URLSearchParams({ watch: '1', timeoutSeconds: '3600' }),
      undefined,
      {
        maxTimeoutSeconds: 10,
      },
    );
    clock.advance(10_000);
    expect(await capped).toEqual({ status: 204 });
    await expect(answerFlagsRequest(store, new URLSearchParams({ watch: 'latest' }))).rejects.toThrow(
      'watch: expected a non-negative integer, got "latest"',
    );
    await expect(
      answerFlagsRequest(store, new URLSearchParams({ watch: '1', timeoutSeconds: '-3' })),
    ).rejects.toMatchObject({ field: 'timeoutSeconds' });
  });
});

describe('loadFlagFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsloop-flags-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a valid file', async () => {
    const file = join(dir, 'flags.json');
    await writeFile(file, JSON.stringify(document));
    expect((await loadFlagFile(file)).flags.size).toBe(2);
  });

  it('names the file and the problem when it is missing or invalid', async () => {
    const missing = join(dir, 'missing.json');
    await expect(loadFlagFile(missing)).rejects.toThrow(`flag file ${missing}: no such file`);
    const bad = join(dir, 'bad.json');
    await writeFile(
      bad,
      JSON.stringify({ flags: { x: { state: 'ENABLED', variants: { a: 1 }, defaultVariant: 'b' } } }),
    );
    const error = await loadFlagFile(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlagFileError);
    expect((error as FlagFileError).issues).toEqual([
      { path: 'flags.x.defaultVariant', message: '"b" is not a variant (variants: a)' },
    ]);
    expect((error as FlagFileError).message).toBe(
      `flag file ${bad}: flags.x.defaultVariant: "b" is not a variant (variants: a)`,
    );
  });
});
