import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock, type ManualClock } from '@opsloop/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCertificateAuthority, type CertificateAuthority } from './certificate-authority.js';
import { IdentityError } from './errors.js';
import { readIdentityDir, writeIdentityDir, type IdentityMaterial } from './identity-dir.js';
import {
  createIdentityIssuer,
  type IdentityIssuer,
  type IdentityIssuerOptions,
  type IdentityRenewalFailedEvent,
  type IdentityRotatedEvent,
} from './identity-issuer.js';

const HOUR = 3_600_000;
const START = Math.floor(Date.now() / 1000) * 1000;

let base: string;
let clock: ManualClock;
let ca: CertificateAuthority;
let issuer: IdentityIssuer | undefined;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'opsloop-issuer-'));
  clock = createManualClock(START);
  ca = await createCertificateAuthority({ clock });
});
afterEach(async () => {
  await issuer?.close();
  issuer = undefined;
  await rm(base, { recursive: true, force: true });
});

function start(options: Partial<IdentityIssuerOptions> = {}): IdentityIssuer {
  issuer = createIdentityIssuer({ ca, clock, rootDir: join(base, 'identity'), ttlMs: HOUR, ...options });
  return issuer;
}

/** Renewals run real crypto and file I/O after the fake clock fires them: wait for their effect. */
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const serialOnDisk = async (dir: string) =>
  new X509Certificate((await readIdentityDir(dir)).certPem).serialNumber;
const row = (instance: string) => {
  const found = issuer?.status().find((r) => r.instance === instance);
  if (found === undefined) throw new Error(`no status for ${instance}`);
  return found;
};

/** A writer that fails while `failing` is set, and can be held mid-write. */
function controllableWriter() {
  const control = {
    failing: false,
    calls: 0,
    hold: undefined as Promise<void> | undefined,
    write: async (dir: string, material: IdentityMaterial) => {
      control.calls++;
      if (control.hold !== undefined) await control.hold;
      if (control.failing) throw new Error('disk full');
      await writeIdentityDir(dir, material);
    },
  };
  return control;
}

describe('createIdentityIssuer', () => {
  it('provisions a directory with a certificate for the service before the replica starts', async () => {
    const issuer = start();
    const dir = await issuer.provision('cart', 'cart-0');
    expect(dir).toBe(join(base, 'identity', 'cart-0'));
    expect((await stat(join(base, 'identity'))).mode & 0o777).toBe(0o700);
    const files = await readIdentityDir(dir);
    expect(files.caPem).toBe(ca.caPem);
    const leaf = new X509Certificate(files.certPem);
    expect(leaf.subjectAltName).toBe('URI:spiffe://opsloop.local/service/cart, DNS:cart');
    expect(leaf.checkIssued(new X509Certificate(ca.caPem))).toBe(true);
    const status = row('cart-0');
    expect(status).toMatchObject({ service: 'cart', dir, rotations: 0, failures: 0, notAfter: START + HOUR });
    expect(status.serial).toBe(leaf.serialNumber);
    expect(status.lastError).toBeUndefined();
    // Half of the time left at issue (notBefore's 60 s backdating for clock skew does not count).
    expect(status.renewAt).toBe(START + HOUR / 2);
    expect(clock.pending()).toBe(1);
  });

  it('renews at half-life with a new certificate in the same directory, and again after that', async () => {
    const rotated: IdentityRotatedEvent[] = [];
    const issuer = start({ onRotated: (event) => rotated.push(event) });
    const dir = await issuer.provision('cart', 'cart-0');
    const first = row('cart-0');

    clock.advance(first.renewAt - clock.now() - 1);
    expect(row('cart-0').rotations).toBe(0);
    expect(await serialOnDisk(dir)).toBe(first.serial);

    clock.advance(1);
    await until(() => row('cart-0').rotations === 1, 'the first renewal');
    const second = row('cart-0');
    expect(second.serial).not.toBe(first.serial);
    expect(await serialOnDisk(dir)).toBe(second.serial);
    expect(second.notAfter).toBe(first.renewAt + HOUR);
    expect(second.renewAt).toBe(first.renewAt + 30 * 60_000);
    expect(rotated).toEqual([
      { instance: 'cart-0', service: 'cart', serial: second.serial, notAfter: second.notAfter, rotations: 1 },
    ]);
    const files = await readIdentityDir(dir);
    expect(new X509Certificate(files.certPem).checkPrivateKey(createPrivateKey(files.keyPem))).toBe(true);

    clock.advance(second.renewAt - clock.now());
    await until(() => row('cart-0').rotations === 2, 'the second renewal');
    expect(await serialOnDisk(dir)).toBe(row('cart-0').serial);
    expect(clock.pending()).toBe(1);
  });

  it('release cancels the renewal and removes the directory', async () => {
    const issuer = start();
    const dir = await issuer.provision('cart', 'cart-0');
    const other = await issuer.provision('orders', 'orders-0');
    expect(clock.pending()).toBe(2);
    await issuer.release('cart-0');
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(clock.pending()).toBe(1);
    expect(issuer.status().map((r) => r.instance)).toEqual(['orders-0']);
    expect((await readdir(join(base, 'identity'))).sort()).toEqual(['orders-0']);
    await expect(issuer.release('cart-0')).resolves.toBeUndefined();
    expect(await serialOnDisk(other)).toBe(row('orders-0').serial);
  });

  it('retries a failed renewal with a doubling, capped back-off, reporting each failure, then recovers', async () => {
    const writer = controllableWriter();
    const errors: IdentityRenewalFailedEvent[] = [];
    const issuer = start({
      writeDir: writer.write,
      retryMaxMs: 4_000,
      onError: (event) => errors.push(event),
    });
    const dir = await issuer.provision('cart', 'cart-0');
    const first = row('cart-0');
    writer.failing = true;

    clock.advance(first.renewAt - clock.now());
    for (const [attempt, retryInMs] of [
      [1, 1_000],
      [2, 2_000],
      [3, 4_000],
      [4, 4_000],
    ] as const) {
      await until(() => errors.length === attempt, `failure ${attempt}`);
      expect(errors[attempt - 1]).toMatchObject({ instance: 'cart-0', service: 'cart', attempt, retryInMs });
      expect(row('cart-0')).toMatchObject({
        failures: attempt,
        lastError: 'disk full',
        serial: first.serial,
      });
      expect(row('cart-0').renewAt).toBe(clock.now() + retryInMs);
      // The replica keeps the certificate it has.
      expect(await serialOnDisk(dir)).toBe(first.serial);
      expect(clock.pending()).toBe(1);
      if (attempt < 4) clock.advance(retryInMs);
    }

    writer.failing = false;
    clock.advance(4_000);
    await until(() => row('cart-0').rotations === 1, 'the renewal after the failures');
    expect(row('cart-0')).toMatchObject({ failures: 0, rotations: 1 });
    expect(row('cart-0').lastError).toBeUndefined();
    expect(await serialOnDisk(dir)).toBe(row('cart-0').serial);
    expect(errors).toHaveLength(4);
  });

  it('keeps renewing when a listener throws', async () => {
    const issuer = start({
      onRotated: () => {
        throw new Error('listener bug');
      },
    });
    await issuer.provision('cart', 'cart-0');
    clock.advance(row('cart-0').renewAt - clock.now());
    await until(() => row('cart-0').rotations === 1, 'the first renewal');
    clock.advance(row('cart-0').renewAt - clock.now());
    await until(() => row('cart-0').rotations === 2, 'the second renewal');
  });

  it('release waits for a renewal in progress, then removes the directory and schedules nothing', async () => {
    const writer = controllableWriter();
    const issuer = start({ writeDir: writer.write });
    const dir = await issuer.provision('cart', 'cart-0');
    let letGo = () => {};
    writer.hold = new Promise((resolve) => (letGo = resolve));
    clock.advance(row('cart-0').renewAt - clock.now());
    await until(() => writer.calls === 2, 'the renewal to start writing');

    let released = false;
    const release = issuer.release('cart-0').then(() => (released = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(released).toBe(false);
    letGo();
    await release;
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(clock.pending()).toBe(0);
    expect(issuer.status()).toEqual([]);
  });

  it('a failed provision rejects and leaves no directory, status or timer', async () => {
    const writer = controllableWriter();
    writer.failing = true;
    const issuer = start({ writeDir: writer.write });
    await expect(issuer.provision('cart', 'cart-0')).rejects.toThrow('disk full');
    expect(issuer.status()).toEqual([]);
    expect(clock.pending()).toBe(0);
    expect(await readdir(join(base, 'identity'))).toEqual([]);
  });

  it('provisioning an instance again replaces its certificate and its schedule', async () => {
    const issuer = start();
    const dir = await issuer.provision('cart', 'cart-0');
    const first = row('cart-0');
    clock.advance(60_000);
    expect(await issuer.provision('cart', 'cart-0')).toBe(dir);
    const second = row('cart-0');
    expect(second.serial).not.toBe(first.serial);
    expect(await serialOnDisk(dir)).toBe(second.serial);
    expect(second.renewAt).toBe(first.renewAt + 60_000);
    expect(clock.pending()).toBe(1);
  });

  it('renews a short-lived certificate at its half-life, not at once (backdating does not count)', async () => {
    const issuer = start({ ttlMs: 5_000 });
    await issuer.provision('cart', 'cart-0');
    expect(row('cart-0').renewAt).toBe(START + 2_500);
  });

  it('close stops every renewal and refuses new work; directories stay for release', async () => {
    const issuer = start();
    const dir = await issuer.provision('cart', 'cart-0');
    await issuer.close();
    expect(clock.pending()).toBe(0);
    expect(issuer.status()).toEqual([]);
    expect((await readIdentityDir(dir)).caPem).toBe(ca.caPem);
    await expect(issuer.provision('cart', 'cart-1')).rejects.toMatchObject({ problem: 'closed' });
  });

  it('refuses bad names and options', async () => {
    const issuer = start();
    await expect(issuer.provision('Cart', 'cart-0')).rejects.toMatchObject({ problem: 'service-name' });
    await expect(issuer.provision('cart', '../escape')).rejects.toMatchObject({ problem: 'instance-name' });
    await expect(issuer.provision('cart', '..data')).rejects.toThrow(IdentityError);
    for (const options of [
      { renewAtFraction: 0 },
      { renewAtFraction: 1 },
      { renewAtFraction: Number.NaN },
      { retryInitialMs: 0 },
      { retryInitialMs: 2_000, retryMaxMs: 1_000 },
      { retryMaxMs: Infinity },
      { ttlMs: 4_999 },
      { ttlMs: 60_000.5 },
    ]) {
      expect(() => createIdentityIssuer({ ca, clock, rootDir: base, ttlMs: HOUR, ...options })).toThrow(
        IdentityError,
      );
    }
  });
});
