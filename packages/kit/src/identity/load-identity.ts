import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { peerServiceOf } from './peer-service.js';

/** A replica's service identity: the runtime CA and the replica's leaf certificate and key (PEM). */
export interface ServiceIdentity {
  /** PEM of the trust anchor(s): the runtime CA. */
  readonly ca: string;
  /** PEM of the leaf certificate. */
  readonly cert: string;
  /** PEM (PKCS#8) of the leaf's private key. */
  readonly key: string;
  /** The service the leaf names (URI SAN `spiffe://opsloop.local/service/<service>`). */
  readonly service: string;
  /** The leaf's serial number (hex, as node's `X509Certificate.serialNumber`). */
  readonly serial: string;
  /** End of the leaf's validity, ms since the epoch. */
  readonly notAfter: number;
}

/** A directory that does not hold a usable identity (missing file, bad PEM, key not matching, no service). */
export class IdentityError extends Error {
  override readonly name = 'IdentityError';
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/**
 * The directory to read the three files from. In the projected-volume layout the names are symlinks through
 * `..data`, which the writer swaps atomically: resolving `..data` once and reading all three below it gives
 * one consistent generation (reading the names one by one could mix a new cert with an old key).
 */
function generationDir(dir: string): string {
  try {
    return realpathSync(join(dir, '..data'));
  } catch {
    return dir; // plain layout (three regular files)
  }
}

function readPem(dir: string, name: string): string {
  try {
    return readFileSync(join(dir, name), 'utf8');
  } catch (error) {
    throw new IdentityError(`cannot read ${name}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

function certificatesIn(pem: string, name: string): X509Certificate[] {
  const blocks = pem.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) throw new IdentityError(`${name} holds no PEM certificate`);
  return blocks.map((block) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new IdentityError(`${name} holds a certificate that cannot be parsed`);
    }
  });
}

/** The three PEM texts of an identity directory, not validated yet. */
export interface IdentityFiles {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/**
 * Reads `ca.crt`, `tls.crt` and `tls.key` of `dir` from one generation (see `generationDir`); throws
 * {@link IdentityError}. Synchronous: three small files, read at start and on each poll.
 */
export function readIdentityFiles(dir: string): IdentityFiles {
  const from = generationDir(dir);
  return { ca: readPem(from, 'ca.crt'), cert: readPem(from, 'tls.crt'), key: readPem(from, 'tls.key') };
}

/**
 * Validates identity files: one leaf certificate signed by the CA, whose key is the one in `tls.key`, naming a
 * service in its URI SAN. Throws {@link IdentityError}.
 */
export function parseIdentity(files: IdentityFiles): ServiceIdentity {
  const { ca, cert, key } = files;
  const anchors = certificatesIn(ca, 'ca.crt');
  const leaves = certificatesIn(cert, 'tls.crt');
  if (leaves.length !== 1) throw new IdentityError('tls.crt must hold the leaf certificate only');
  const leaf = leaves[0]!;
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new IdentityError('tls.key holds no readable private key');
  }
  try {
    if (!leaf.checkPrivateKey(privateKey)) throw new Error('mismatch');
    // The same check TLS makes; it also refuses what checkPrivateKey accepts but OpenSSL would not load.
    createSecureContext({ ca, cert, key });
  } catch {
    throw new IdentityError('tls.key does not match tls.crt');
  }
  if (!anchors.some((anchor) => leaf.checkIssued(anchor) && leaf.verify(anchor.publicKey)))
    throw new IdentityError('tls.crt is not signed by ca.crt');
  const service = peerServiceOf(leaf);
  if (service === undefined)
    throw new IdentityError('tls.crt names no service (URI SAN spiffe://opsloop.local/service/<name>)');
  return { ca, cert, key, service, serial: leaf.serialNumber, notAfter: Date.parse(leaf.validTo) };
}

/** Reads and validates the identity in `dir` ({@link readIdentityFiles}, {@link parseIdentity}). */
export function loadIdentity(dir: string): ServiceIdentity {
  return parseIdentity(readIdentityFiles(dir));
}
