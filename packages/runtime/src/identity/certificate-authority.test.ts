import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { createManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import {
  CLOCK_SKEW_MS,
  DEFAULT_CA_TTL_MS,
  MIN_CERT_TTL_MS,
  createCertificateAuthority,
} from './certificate-authority.js';
import { IdentityError } from './errors.js';

const HOUR = 3_600_000;
// A whole second, so the expected X.509 times (whole seconds) are exact.
const START = Math.floor(Date.now() / 1000) * 1000;

const parse = (pem: string) => new x509.X509Certificate(pem);
const ext = <T extends x509.Extension>(cert: x509.X509Certificate, type: new (raw: ArrayBuffer) => T) => {
  const found = cert.getExtension(type);
  if (found === null) throw new Error(`missing ${type.name}`);
  return found;
};

describe('createCertificateAuthority', () => {
  it('makes a self-signed P-256 root: CA:true pathLen 0, keyCertSign + cRLSign, 30 days', async () => {
    const ca = await createCertificateAuthority({ clock: createManualClock(START) });
    const node = new X509Certificate(ca.caPem);
    expect(ca.caPem.endsWith('-----END CERTIFICATE-----\n')).toBe(true);
    expect(node.ca).toBe(true);
    expect(node.subject).toBe('CN=opsloop runtime CA');
    expect(node.checkIssued(node)).toBe(true);
    expect(node.verify(node.publicKey)).toBe(true);
    expect(node.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(Date.parse(node.validFrom)).toBe(START - CLOCK_SKEW_MS);
    expect(Date.parse(node.validTo)).toBe(START + DEFAULT_CA_TTL_MS);
    expect(ca.notAfter).toBe(START + DEFAULT_CA_TTL_MS);

    const cert = parse(ca.caPem);
    const basic = ext(cert, x509.BasicConstraintsExtension);
    expect([basic.ca, basic.pathLength, basic.critical]).toEqual([true, 0, true]);
    const usage = ext(cert, x509.KeyUsagesExtension);
    expect(usage.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    expect(usage.critical).toBe(true);
    expect(cert.signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
  });

  it('issues a leaf that verifies against the CA, with the SANs, usages and validity of the contract', async () => {
    const ca = await createCertificateAuthority({ clock: createManualClock(START), name: 'test CA' });
    const issued = await ca.issue({ service: 'cart', instance: 'cart-0', ttlMs: HOUR });
    const caCert = new X509Certificate(ca.caPem);
    const leaf = new X509Certificate(issued.certPem);

    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.subject).toBe('CN=cart');
    expect(leaf.issuer).toBe('CN=test CA');
    expect(leaf.subjectAltName).toBe('URI:spiffe://opsloop.local/service/cart, DNS:cart');
    // node:crypto calls the extended key usages `keyUsage`.
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(Date.parse(leaf.validFrom)).toBe(START - CLOCK_SKEW_MS);
    expect(Date.parse(leaf.validTo)).toBe(START + HOUR);
    expect([issued.notBefore, issued.notAfter]).toEqual([START - CLOCK_SKEW_MS, START + HOUR]);
    expect(leaf.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    // Only the leaf: no chain appended.
    expect(issued.certPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);

    expect(issued.serial).toBe(leaf.serialNumber);
    expect(issued.serial).toMatch(/^[0-9A-F]+$/);
    // 128 random bits, positive: 16 bytes, or 17 with the sign byte when the top bit is set.
    const serialBytes = new X509Certificate(issued.certPem).serialNumber.length / 2;
    expect(serialBytes).toBeGreaterThanOrEqual(14);
    expect(serialBytes).toBeLessThanOrEqual(17);

    const cert = parse(issued.certPem);
    expect(cert.signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
    const basic = ext(cert, x509.BasicConstraintsExtension);
    expect([basic.ca, basic.critical]).toEqual([false, true]);
    const usage = ext(cert, x509.KeyUsagesExtension);
    expect(usage.usages & x509.KeyUsageFlags.digitalSignature).toBeTruthy();
    expect(usage.usages & (x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign)).toBe(0);
    const ski = ext(cert, x509.SubjectKeyIdentifierExtension);
    const aki = ext(cert, x509.AuthorityKeyIdentifierExtension);
    expect(aki.keyId).toBe(ext(parse(ca.caPem), x509.SubjectKeyIdentifierExtension).keyId);
    expect(ski.keyId).not.toBe(aki.keyId);
  });

  it('gives a PKCS#8 key that matches its certificate, and a different one each time', async () => {
    const ca = await createCertificateAuthority({ clock: createManualClock(START) });
    const a = await ca.issue({ service: 'orders', instance: 'orders-0', ttlMs: HOUR });
    const b = await ca.issue({ service: 'orders', instance: 'orders-1', ttlMs: HOUR });
    expect(a.keyPem.startsWith('-----BEGIN PRIVATE KEY-----\n')).toBe(true);
    expect(new X509Certificate(a.certPem).checkPrivateKey(createPrivateKey(a.keyPem))).toBe(true);
    expect(() => createSecureContext({ cert: a.certPem, key: a.keyPem, ca: ca.caPem })).not.toThrow();

    expect(b.serial).not.toBe(a.serial);
    expect(b.keyPem).not.toBe(a.keyPem);
    expect(new X509Certificate(a.certPem).checkPrivateKey(createPrivateKey(b.keyPem))).toBe(false);
    expect(() => createSecureContext({ cert: a.certPem, key: b.keyPem })).toThrow();
  });

  it('signs with its own key only: a leaf of another CA does not verify', async () => {
    const clock = createManualClock(START);
    const ours = await createCertificateAuthority({ clock });
    const theirs = await createCertificateAuthority({ clock });
    const foreign = new X509Certificate(
      (await theirs.issue({ service: 'cart', instance: 'c', ttlMs: HOUR })).certPem,
    );
    const ourCa = new X509Certificate(ours.caPem);
    expect(foreign.verify(ourCa.publicKey)).toBe(false);
    expect(foreign.checkIssued(ourCa)).toBe(false);
  });

  it('refuses names and ttls outside the bounds', async () => {
    const clock = createManualClock(START);
    const ca = await createCertificateAuthority({ clock, ttlMs: 10 * HOUR });
    const refused = async (service: string, instance: string, ttlMs: number) => {
      const error: unknown = await ca.issue({ service, instance, ttlMs }).catch((e: unknown) => e);
      expect(error, `${service} ${instance} ${ttlMs}`).toBeInstanceOf(IdentityError);
      return (error as IdentityError).problem;
    };
    for (const service of ['', 'Cart', '-cart', 'cart-', 'cart.svc', 'cart_x', 'a'.repeat(64), 'ca rt']) {
      expect(await refused(service, 'i', HOUR)).toBe('service-name');
    }
    for (const instance of ['', '..data', '.hidden', 'a/b', '..', 'x'.repeat(129)]) {
      expect(await refused('cart', instance, HOUR)).toBe('instance-name');
    }
    for (const ttlMs of [MIN_CERT_TTL_MS - 1, 10 * HOUR + 1, Number.NaN, 1500.5, -HOUR]) {
      expect(await refused('cart', 'cart-0', ttlMs)).toBe('ttl');
    }
    // The bounds themselves are fine, and so is a 63-character DNS label starting with a digit.
    await expect(
      ca.issue({ service: 'cart', instance: 'cart-0', ttlMs: MIN_CERT_TTL_MS }),
    ).resolves.toBeDefined();
    await expect(ca.issue({ service: 'cart', instance: 'cart-0', ttlMs: 10 * HOUR })).resolves.toBeDefined();
    await expect(
      ca.issue({ service: `9${'a'.repeat(62)}`, instance: 'x_1.2', ttlMs: HOUR }),
    ).resolves.toBeDefined();

    // A leaf may not outlive the CA.
    clock.advance(9 * HOUR);
    expect(await refused('cart', 'cart-0', 2 * HOUR)).toBe('ca-expiring');
    await expect(ca.issue({ service: 'cart', instance: 'cart-0', ttlMs: HOUR })).resolves.toBeDefined();
  });

  it('refuses bad CA options', async () => {
    const clock = createManualClock(START);
    for (const options of [
      { name: '' },
      { name: 'x'.repeat(65) },
      { name: 'a\nb' },
      { ttlMs: 1000 },
      { ttlMs: Infinity },
    ]) {
      await expect(
        createCertificateAuthority({ clock, ...options }),
        JSON.stringify(options),
      ).rejects.toThrow(IdentityError);
    }
  });
});
