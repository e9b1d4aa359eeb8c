import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { ConfigError, baseConfigSchema, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { watchIdentityFromConfig } from './identity-from-config.js';
import { watchIdentity } from './identity-watcher.js';
import { IdentityError, type ServiceIdentity } from './load-identity.js';
import {
  createTestCertificateAuthority,
  writeTestIdentityDir,
  type TestCertificateAuthority,
} from './test-ca.js';

let ca: TestCertificateAuthority;
const dirs: string[] = [];
beforeAll(async () => {
  ca = await createTestCertificateAuthority();
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kit-watch-'));
  dirs.push(dir);
  return join(dir, 'id');
}

function capture() {
  const lines: { level: string; msg: string; [key: string]: unknown }[] = [];
  const log = createLogger({
    service: 't',
    version: '1',
    instance: 't-1',
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  return { log, lines };
}

async function identityDir(service = 'cart') {
  const leaf = await ca.issue(service);
  return { dir: writeTestIdentityDir(tempDir(), { caPem: ca.caPem, ...leaf }), leaf };
}

describe('watchIdentity', () => {
  it('polls the directory on the clock and notifies subscribers of a rotation', async () => {
    const clock = createManualClock(Date.now());
    const { log } = capture();
    const { dir, leaf } = await identityDir();
    const watcher = watchIdentity({ dir, log, clock, intervalMs: 1000 });
    expect(watcher.current().serial).toBe(leaf.serial);
    const seen: ServiceIdentity[] = [];
    watcher.onChange((identity) => seen.push(identity));

    const next = await ca.issue('cart');
    writeTestIdentityDir(dir, { caPem: ca.caPem, ...next });
    clock.advance(999);
    expect(seen).toHaveLength(0);
    clock.advance(1);
    expect(seen.map((identity) => identity.serial)).toEqual([next.serial]);
    expect(watcher.current().serial).toBe(next.serial);
    clock.advance(5000); // nothing changed: no news
    expect(seen).toHaveLength(1);

    watcher.close();
    writeTestIdentityDir(dir, { caPem: ca.caPem, ...(await ca.issue('cart')) });
    clock.advance(5000);
    expect(seen).toHaveLength(1);
    expect(clock.pending()).toBe(0);
  });

  it('keeps the last good identity when a replacement is bad, warning once per problem', async () => {
    const clock = createManualClock(Date.now());
    const { log, lines } = capture();
    const { dir, leaf } = await identityDir();
    const watcher = watchIdentity({ dir, log, clock, intervalMs: 100 });
    const bad = await ca.issue('cart', { mismatchedKey: true });
    writeTestIdentityDir(dir, { caPem: ca.caPem, ...bad });
    clock.advance(500);
    expect(watcher.current().serial).toBe(leaf.serial);
    const warnings = lines.filter((line) => line.msg.startsWith('service identity not reloaded'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', err_message: 'tls.key does not match tls.crt' });

    const good = await ca.issue('cart');
    writeTestIdentityDir(dir, { caPem: ca.caPem, ...good });
    expect(watcher.refresh()).toBe(true);
    expect(watcher.current().serial).toBe(good.serial);
    watcher.close();
  });

  it('warns once when the identity in use has expired', async () => {
    const clock = createManualClock(Date.now());
    const { log, lines } = capture();
    const { dir } = await identityDir();
    const watcher = watchIdentity({ dir, log, clock, intervalMs: 1000 });
    clock.advance(2 * 3_600_000);
    const expired = lines.filter((line) => line.msg.startsWith('service identity expired'));
    expect(expired).toHaveLength(1);
    watcher.close();
  });

  it('throws IdentityError at start without a usable identity; a listener that throws is logged', async () => {
    const { log, lines } = capture();
    expect(() => watchIdentity({ dir: tempDir(), log })).toThrow(IdentityError);
    const { dir } = await identityDir();
    const watcher = watchIdentity({ dir, log, clock: createManualClock(Date.now()) });
    watcher.onChange(() => {
      throw new Error('boom');
    });
    const later: string[] = [];
    watcher.onChange((identity) => later.push(identity.serial));
    const next = await ca.issue('cart');
    writeTestIdentityDir(dir, { caPem: ca.caPem, ...next });
    expect(watcher.refresh()).toBe(true);
    expect(later).toEqual([next.serial]);
    expect(
      lines.some((line) => line.level === 'error' && line.msg === 'service identity listener failed'),
    ).toBe(true);
    watcher.close();
  });
});

describe('identity config', () => {
  it('parses OPSLOOP_RPC_CALLERS: a list, empty means nobody, unset means no policy', () => {
    expect(
      loadConfig(baseConfigSchema, { OPSLOOP_RPC_CALLERS: 'cart, gateway,,' }).OPSLOOP_RPC_CALLERS,
    ).toEqual(['cart', 'gateway']);
    expect(loadConfig(baseConfigSchema, { OPSLOOP_RPC_CALLERS: '' }).OPSLOOP_RPC_CALLERS).toEqual([]);
    expect(loadConfig(baseConfigSchema, {}).OPSLOOP_RPC_CALLERS).toBeUndefined();
    expect(() => loadConfig(baseConfigSchema, { OPSLOOP_RPC_CALLERS: 'cart,Not_A_Name' })).toThrow(
      /OPSLOOP_RPC_CALLERS: expected comma-separated service names/,
    );
    // Other variables keep "empty is unset".
    expect(loadConfig(baseConfigSchema, { OPSLOOP_TLS_DIR: '' }).OPSLOOP_TLS_DIR).toBeUndefined();
  });

  it('watchIdentityFromConfig: undefined without OPSLOOP_TLS_DIR, ConfigError for an unusable one', async () => {
    const { log } = capture();
    expect(watchIdentityFromConfig({}, log)).toBeUndefined();
    const dir = tempDir();
    let error: unknown;
    try {
      watchIdentityFromConfig({ OPSLOOP_TLS_DIR: dir }, log);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toMatch(/^OPSLOOP_TLS_DIR: cannot read ca\.crt/);
    const leaf = await ca.issue('cart');
    const watcher = watchIdentityFromConfig(
      { OPSLOOP_TLS_DIR: writeTestIdentityDir(dir, { caPem: ca.caPem, ...leaf }) },
      log,
      { clock: createManualClock(Date.now()) },
    );
    expect(watcher?.current().service).toBe('cart');
    watcher?.close();
  });
});
