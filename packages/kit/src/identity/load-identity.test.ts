import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityError, loadIdentity } from './load-identity.js';
import { peerServiceOf } from './peer-service.js';
import {
  createTestCertificateAuthority,
  writeTestIdentityDir,
  type TestCertificateAuthority,
} from './test-ca.js';

let ca: TestCertificateAuthority;
let foreign: TestCertificateAuthority;
const dirs: string[] = [];
beforeAll(async () => {
  [ca, foreign] = await Promise.all([
    createTestCertificateAuthority(),
    createTestCertificateAuthority('other'),
  ]);
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kit-identity-'));
  dirs.push(dir);
  return dir;
}

/** A plain directory of three regular files. */
function plainDir(files: { ca: string; cert: string; key: string }): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'ca.crt'), files.ca);
  writeFileSync(join(dir, 'tls.crt'), files.cert);
  writeFileSync(join(dir, 'tls.key'), files.key);
  return dir;
}

describe('loadIdentity', () => {
  it('reads a projected-volume directory: service from the URI SAN, serial, notAfter', async () => {
    const leaf = await ca.issue('cart');
    const dir = writeTestIdentityDir(join(tempDir(), 'id'), { caPem: ca.caPem, ...leaf });
    const identity = loadIdentity(dir);
    expect(identity.service).toBe('cart');
    expect(identity.serial).toBe(leaf.serial);
    expect(identity.notAfter).toBe(Date.parse(new X509Certificate(leaf.certPem).validTo));
    expect(identity.notAfter).toBeGreaterThan(Date.now());
    expect(identity).toMatchObject({ ca: ca.caPem, cert: leaf.certPem, key: leaf.keyPem });
  });

  it('reads a plain directory too', async () => {
    const leaf = await ca.issue('orders');
    expect(loadIdentity(plainDir({ ca: ca.caPem, cert: leaf.certPem, key: leaf.keyPem })).service).toBe(
      'orders',
    );
  });

  it('refuses a key that does not match the certificate', async () => {
    const leaf = await ca.issue('cart', { mismatchedKey: true });
    const dir = plainDir({ ca: ca.caPem, cert: leaf.certPem, key: leaf.keyPem });
    expect(() => loadIdentity(dir)).toThrow(new IdentityError('tls.key does not match tls.crt'));
  });

  it('refuses a certificate of another CA', async () => {
    const leaf = await foreign.issue('cart');
    const dir = plainDir({ ca: ca.caPem, cert: leaf.certPem, key: leaf.keyPem });
    expect(() => loadIdentity(dir)).toThrow(/not signed by ca\.crt/);
  });

  it('refuses a leaf naming no service, a chain in tls.crt, a missing file, garbage', async () => {
    const anonymous = await ca.issue('cart', { uris: [] });
    expect(() =>
      loadIdentity(plainDir({ ca: ca.caPem, cert: anonymous.certPem, key: anonymous.keyPem })),
    ).toThrow(/names no service/);
    const leaf = await ca.issue('cart');
    expect(() =>
      loadIdentity(plainDir({ ca: ca.caPem, cert: leaf.certPem + ca.caPem, key: leaf.keyPem })),
    ).toThrow(/leaf certificate only/);
    expect(() => loadIdentity(tempDir())).toThrow(/cannot read ca\.crt: ENOENT/);
    expect(() => loadIdentity(plainDir({ ca: ca.caPem, cert: 'nope', key: leaf.keyPem }))).toThrow(
      /no PEM certificate/,
    );
    expect(() => loadIdentity(plainDir({ ca: ca.caPem, cert: leaf.certPem, key: 'nope' }))).toThrow(
      /no readable private key/,
    );
  });
});

describe('peerServiceOf', () => {
  it('names the service of a spiffe URI SAN, from an X509Certificate or a tls PeerCertificate', async () => {
    const leaf = new X509Certificate((await ca.issue('inventory')).certPem);
    expect(peerServiceOf(leaf)).toBe('inventory');
    expect(peerServiceOf({ subjectaltname: leaf.subjectAltName })).toBe('inventory');
    expect(peerServiceOf(undefined)).toBeUndefined();
    expect(peerServiceOf({})).toBeUndefined();
  });

  it('identifies nobody from other trust domains, several services, or a DNS name that smuggles a URI', () => {
    expect(peerServiceOf({ subjectaltname: 'URI:spiffe://evil.example/service/cart' })).toBeUndefined();
    expect(peerServiceOf({ subjectaltname: 'URI:spiffe://opsloop.local/service/Cart' })).toBeUndefined();
    expect(
      peerServiceOf({
        subjectaltname: 'URI:spiffe://opsloop.local/service/a, URI:spiffe://opsloop.local/service/b',
      }),
    ).toBeUndefined();
    // Node JSON-quotes a value holding ", " — the quoted text is one DNS entry, not a URI.
    expect(
      peerServiceOf({
        subjectaltname: 'DNS:"x, URI:spiffe://opsloop.local/service/admin, DNS:y", DNS:cart',
      }),
    ).toBeUndefined();
    expect(peerServiceOf({ subjectaltname: 'DNS:cart, URI:spiffe://opsloop.local/service/cart' })).toBe(
      'cart',
    );
  });

  it('identifies nobody from a real certificate whose URI SAN needs quoting or is absent', async () => {
    const anonymous = await ca.issue('cart', { uris: [] });
    const forged = await ca.issue('x', {
      uris: ['spiffe://opsloop.local/service/x, URI:spiffe://opsloop.local/service/admin'],
    });
    expect(peerServiceOf(new X509Certificate(anonymous.certPem))).toBeUndefined();
    expect(new X509Certificate(forged.certPem).subjectAltName).toMatch(/^URI:"/); // node quoted it
    expect(peerServiceOf(new X509Certificate(forged.certPem))).toBeUndefined();
  });
});
