// Test support: certificates for mutual-TLS suites. Exported from the kit's index under test-only names;
// @peculiar/x509 is a dev dependency, imported lazily so production code never loads it.
import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import { mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as X509 from '@peculiar/x509';
import { serviceUri } from './peer-service.js';

/** A leaf certificate and its key, as PEM. */
export interface TestLeaf {
  readonly certPem: string;
  readonly keyPem: string;
  /** Hex serial, as node's `X509Certificate.serialNumber` prints it. */
  readonly serial: string;
}

/** Options of {@link TestCertificateAuthority.issue}. */
export interface TestLeafOptions {
  /** Validity start; now − 60 s by default. */
  notBefore?: Date;
  /** Validity end; now + 1 h by default. Put both in the past for an expired certificate. */
  notAfter?: Date;
  /** URI SANs; `[spiffe://opsloop.local/service/<service>]` by default (`[]`: a leaf naming no service). */
  uris?: string[];
  /** Return the key of another key pair: a certificate and key that do not match. */
  mismatchedKey?: boolean;
}

/** A throwaway CA for tests. */
export interface TestCertificateAuthority {
  readonly caPem: string;
  /** Issues a leaf for `service` as the runtime does (ECDSA P-256, URI + DNS SAN, serverAuth + clientAuth). */
  issue(service: string, options?: TestLeafOptions): Promise<TestLeaf>;
}

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

let loaded: Promise<typeof X509> | undefined;
function x509(): Promise<typeof X509> {
  loaded ??= (async () => {
    await import('reflect-metadata');
    const module = await import('@peculiar/x509');
    module.cryptoProvider.set(webcrypto);
    return module;
  })();
  return loaded;
}

const generateKeys = () => webcrypto.subtle.generateKey(ECDSA, true, ['sign', 'verify']);

const keyPem = (key: webcrypto.CryptoKey) =>
  KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }) as string;

/** A random positive 128-bit serial in hex (the top bit cleared, so DER needs no sign byte). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x10;
  return bytes.toString('hex').toUpperCase();
}

/** Creates a self-signed ECDSA P-256 CA (valid from an hour ago for a day) for test certificates. */
export async function createTestCertificateAuthority(
  name = 'opsloop test CA',
): Promise<TestCertificateAuthority> {
  const x = await x509();
  const caKeys = await generateKeys();
  const now = Date.now();
  const ca = await x.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${name}`,
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + 86_400_000),
    keys: caKeys,
    signingAlgorithm: ECDSA,
    extensions: [
      new x.BasicConstraintsExtension(true, 0, true),
      new x.KeyUsagesExtension(x.KeyUsageFlags.keyCertSign | x.KeyUsageFlags.cRLSign, true),
      await x.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  return {
    caPem: ca.toString('pem'),
    async issue(service, options = {}) {
      const keys = await generateKeys();
      const serial = randomSerial();
      const leaf = await x.X509CertificateGenerator.create({
        serialNumber: serial,
        subject: `CN=${service}`,
        issuer: ca.subject,
        notBefore: options.notBefore ?? new Date(Date.now() - 60_000),
        notAfter: options.notAfter ?? new Date(Date.now() + 3_600_000),
        publicKey: keys.publicKey,
        signingKey: caKeys.privateKey,
        signingAlgorithm: ECDSA,
        extensions: [
          new x.BasicConstraintsExtension(false, undefined, true),
          new x.KeyUsagesExtension(x.KeyUsageFlags.digitalSignature | x.KeyUsageFlags.keyAgreement, true),
          new x.ExtendedKeyUsageExtension([x.ExtendedKeyUsage.serverAuth, x.ExtendedKeyUsage.clientAuth]),
          new x.SubjectAlternativeNameExtension([
            ...(options.uris ?? [serviceUri(service)]).map((value) => ({ type: 'url' as const, value })),
            { type: 'dns', value: service },
          ]),
          await x.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
          await x.SubjectKeyIdentifierExtension.create(keys.publicKey),
        ],
      });
      const key = options.mismatchedKey === true ? (await generateKeys()).privateKey : keys.privateKey;
      return { certPem: leaf.toString('pem'), keyPem: keyPem(key), serial };
    },
  };
}

/** The files of an identity directory. */
export interface TestIdentityFiles {
  caPem: string;
  certPem: string;
  keyPem: string;
}

let generation = 0;

/**
 * Writes an identity directory as the runtime does (Kubernetes projected-volume layout: the files in a fresh
 * `..<generation>` directory, `..data` swapped to it by rename, `ca.crt`/`tls.crt`/`tls.key` symlinks through
 * `..data`); each call is one atomic rotation. Returns `dir`.
 */
export function writeTestIdentityDir(dir: string, files: TestIdentityFiles): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const name = `..gen-${process.pid}-${++generation}`;
  const target = join(dir, name);
  mkdirSync(target, { mode: 0o700 });
  writeFileSync(join(target, 'ca.crt'), files.caPem);
  writeFileSync(join(target, 'tls.crt'), files.certPem);
  writeFileSync(join(target, 'tls.key'), files.keyPem, { mode: 0o600 });
  const tmp = join(dir, '..data_tmp');
  rmSync(tmp, { force: true });
  symlinkSync(name, tmp);
  let previous: string | undefined;
  try {
    previous = readlinkSync(join(dir, '..data'));
  } catch {
    previous = undefined; // the first generation
  }
  renameSync(tmp, join(dir, '..data'));
  for (const file of ['ca.crt', 'tls.crt', 'tls.key']) {
    try {
      symlinkSync(join('..data', file), join(dir, file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  if (previous !== undefined && previous !== name)
    rmSync(join(dir, previous), { recursive: true, force: true });
  return dir;
}
