import type { X509Certificate } from 'node:crypto';

/** The trust domain of service identities issued by the runtime. */
export const SPIFFE_TRUST_DOMAIN = 'opsloop.local';

const SERVICE_URI = /^spiffe:\/\/opsloop\.local\/service\/([a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)$/;

/** The URI SAN that names `service`: `spiffe://opsloop.local/service/<service>`. */
export function serviceUri(service: string): string {
  return `spiffe://${SPIFFE_TRUST_DOMAIN}/service/${service}`;
}

/** What a certificate is given as: node's `X509Certificate`, or a `tls` `PeerCertificate` (`subjectaltname`). */
export type CertificateLike =
  Pick<X509Certificate, 'subjectAltName'> | { subjectaltname?: string | undefined };

function subjectAltNameOf(cert: CertificateLike): string | undefined {
  return 'subjectAltName' in cert ? cert.subjectAltName : cert.subjectaltname;
}

/**
 * The service a certificate names in its URI SAN (`spiffe://opsloop.local/service/<service>`), or undefined
 * when it names none or several (a certificate that could be read two ways identifies nobody). Call it only on a
 * certificate the TLS stack verified against the runtime CA: the SAN is what the CA vouches for.
 */
export function peerServiceOf(cert: CertificateLike | undefined | null): string | undefined {
  if (cert === undefined || cert === null) return undefined;
  const names = subjectAltNameOf(cert);
  if (names === undefined || names === '') return undefined;
  const services = new Set<string>();
  for (const [type, value] of subjectAltNameEntries(names)) {
    const match = type === 'URI' ? SERVICE_URI.exec(value) : null;
    if (match?.[1] !== undefined) services.add(match[1]);
  }
  return services.size === 1 ? [...services][0] : undefined;
}

/**
 * Splits node's SAN text (`URI:spiffe://…, DNS:cart`) into entries. A value with special characters is
 * JSON-quoted by node and may contain `, `: splitting blindly would let a DNS name forge a URI entry.
 */
function subjectAltNameEntries(text: string): [string, string][] {
  const entries: [string, string][] = [];
  let at = 0;
  while (at < text.length) {
    const colon = text.indexOf(':', at);
    if (colon === -1) break;
    const type = text.slice(at, colon);
    let value: string;
    let end: number;
    if (text[colon + 1] === '"') {
      end = closingQuote(text, colon + 2);
      if (end === -1) break;
      try {
        value = JSON.parse(text.slice(colon + 1, end + 1)) as string;
      } catch {
        break;
      }
      end += 1;
    } else {
      end = text.indexOf(', ', colon + 1);
      if (end === -1) end = text.length;
      value = text.slice(colon + 1, end);
    }
    entries.push([type, value]);
    at = end + 2; // past ", "
  }
  return entries;
}

/** Index of the quote closing a JSON string whose body starts at `from`, or -1. */
function closingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}
