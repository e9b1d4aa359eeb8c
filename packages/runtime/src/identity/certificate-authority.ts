// @peculiar/x509 resolves its ASN.1 and algorithm providers through tsyringe, which needs this polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { KeyObject, X509Certificate, randomBytes, webcrypto } from 'node:crypto';
import type { Clock } from '@opsloop/kit';
import { IdentityError } from './errors.js';
import { assertInstanceName, assertServiceName, spiffeIdForService } from './identity-names.js';

x509.cryptoProvider.set(webcrypto);

/** Default validity of the CA: a new CA is made per runtime run, so it only has to outlive one run. */
export const DEFAULT_CA_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** Shortest leaf lifetime accepted: anything shorter would spend most of its life being renewed. */
export const MIN_CERT_TTL_MS = 5_000;
/** Longest CA validity accepted. */
export const MAX_CA_TTL_MS = 10 * 365 * 24 * 60 * 60 * 1000;
/** How far notBefore is moved into the past, so a peer whose clock is a little behind accepts the cert. */
export const CLOCK_SKEW_MS = 60_000;
/** Default subject common name of the CA. */
export const DEFAULT_CA_NAME = 'opsloop runtime CA';

const MAX_COMMON_NAME = 64; // ub-common-name, RFC 5280
const SERIAL_BYTES = 16;
const EC_KEY: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

/** Options of {@link createCertificateAuthority}. */
export interface CertificateAuthorityOptions {
  /** Validity windows are computed from `clock.now()`. */
  clock: Pick<Clock, 'now'>;
  /** Subject common name of the CA; defaults to {@link DEFAULT_CA_NAME}. */
  name?: string;
  /** Validity of the CA certificate; defaults to {@link DEFAULT_CA_TTL_MS}. Also the longest leaf ttl. */
  ttlMs?: number;
}

/** What to certify. */
export interface IssueRequest {
  /** Named in the subject CN, the URI SAN `spiffe://opsloop.local/service/<service>` and a DNS SAN. */
  service: string;
  /** The replica the certificate is for; validated, not written into the certificate (replicas of a service share its identity). */
  instance: string;
  /** Lifetime from now; at least {@link MIN_CERT_TTL_MS}, at most the CA's validity. */
  ttlMs: number;
}

/** A leaf certificate and its private key. */
export interface IssuedCertificate {
  /** PEM of the leaf certificate alone (no chain). */
  certPem: string;
  /** PEM PKCS#8 of the leaf's private key. */
  keyPem: string;
  /** Serial number as node:crypto's `X509Certificate.serialNumber` prints it (uppercase hex). */
  serial: string;
  /** Epoch ms, as written in the certificate (X.509 times have whole seconds). */
  notBefore: number;
  /** Epoch ms, as written in the certificate. */
  notAfter: number;
}

/** An in-memory certificate authority whose private key never leaves the process. */
export interface CertificateAuthority {
  /** PEM of the CA certificate: the trust anchor every replica is given. */
  readonly caPem: string;
  /** Epoch ms after which the CA certificate, and so every leaf, is no longer valid. */
  readonly notAfter: number;
  /** Issues a fresh key pair and a certificate for it. Rejects with {@link IdentityError} on a bad request. */
  issue(request: IssueRequest): Promise<IssuedCertificate>;
}

/**
 * Creates a self-signed ECDSA P-256 root (CA:true, pathLen 0, keyCertSign + cRLSign) with a private key that
 * cannot be exported: a new CA per runtime run is intended, so no key file ever has to be protected.
 */
export async function createCertificateAuthority(
  options: CertificateAuthorityOptions,
): Promise<CertificateAuthority> {
  const { clock } = options;
  const name = options.name ?? DEFAULT_CA_NAME;
  const caTtlMs = options.ttlMs ?? DEFAULT_CA_TTL_MS;
  if (name.length === 0 || name.length > MAX_COMMON_NAME || /\p{Cc}/u.test(name)) {
    throw new IdentityError('options', `CA name must be 1–${MAX_COMMON_NAME} printable characters`);
  }
  if (!(Number.isInteger(caTtlMs) && caTtlMs >= MIN_CERT_TTL_MS && caTtlMs <= MAX_CA_TTL_MS)) {
    throw new IdentityError('ttl', `CA ttlMs must be an integer from ${MIN_CERT_TTL_MS} to ${MAX_CA_TTL_MS}`);
  }

  const keys = await webcrypto.subtle.generateKey(EC_KEY, false, ['sign', 'verify']);
  const now = clock.now();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [name] }],
    notBefore: new Date(now - CLOCK_SKEW_MS),
    notAfter: new Date(now + caTtlMs),
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const caPem = toPem(caCert);
  const caNotAfter = caCert.notAfter.getTime();
  const authorityKeyId = await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey);

  return {
    caPem,
    notAfter: caNotAfter,
    async issue(request) {
      const { service, instance, ttlMs } = request;
      assertServiceName(service);
      assertInstanceName(instance);
      if (!(Number.isInteger(ttlMs) && ttlMs >= MIN_CERT_TTL_MS && ttlMs <= caTtlMs)) {
        throw new IdentityError(
          'ttl',
          `certificate ttlMs must be an integer from ${MIN_CERT_TTL_MS} to ${caTtlMs}`,
        );
      }
      const issuedAt = clock.now();
      if (issuedAt + ttlMs > caNotAfter) {
        // A leaf outliving its issuer would be rejected by peers at the CA's expiry, not its own.
        throw new IdentityError(
          'ca-expiring',
          `the CA expires at ${new Date(caNotAfter).toISOString()}, before a ${ttlMs} ms certificate would; ` +
            'restart the runtime to get a new CA',
        );
      }
      const leafKeys = await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject: [{ CN: [service] }],
        issuer: caCert.subjectName,
        notBefore: new Date(issuedAt - CLOCK_SKEW_MS),
        notAfter: new Date(issuedAt + ttlMs),
        publicKey: leafKeys.publicKey,
        signingKey: keys.privateKey,
        signingAlgorithm: SIGNING,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([
            x509.ExtendedKeyUsage.serverAuth,
            x509.ExtendedKeyUsage.clientAuth,
          ]),
          new x509.SubjectAlternativeNameExtension([
            { type: 'url', value: spiffeIdForService(service) },
            { type: 'dns', value: service },
          ]),
          await x509.SubjectKeyIdentifierExtension.create(leafKeys.publicKey),
          authorityKeyId,
        ],
      });
      const certPem = toPem(leaf);
      const keyPem = KeyObject.from(leafKeys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
      return {
        certPem,
        keyPem,
        serial: new X509Certificate(certPem).serialNumber,
        notBefore: leaf.notBefore.getTime(),
        notAfter: leaf.notAfter.getTime(),
      };
    },
  };
}

/** 128 random bits; the generator makes the DER INTEGER positive (a leading zero byte if the top bit is set). */
function randomSerial(): string {
  return randomBytes(SERIAL_BYTES).toString('hex');
}

function toPem(certificate: x509.X509Certificate): string {
  // The library's PEM has no final newline; PEM files conventionally end with one.
  return `${certificate.toString('pem')}\n`;
}
