import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { systemClock } from '@opsloop/kit';
import { afterEach, describe, expect, it } from 'vitest';
import { createCertificateAuthority, type CertificateAuthority } from './certificate-authority.js';

const HOUR = 3_600_000;
let server: Server | undefined;
afterEach(async () => {
  if (server?.listening) await new Promise((done) => server?.close(done));
  server = undefined;
});

/** A server for `orders` that answers each verified client with the URI SAN it saw, then ends. */
async function startServer(
  ca: CertificateAuthority,
): Promise<{ port: number; clientErrors: Error[]; served: string[] }> {
  const identity = await ca.issue({ service: 'orders', instance: 'orders-0', ttlMs: HOUR });
  const clientErrors: Error[] = [];
  const served: string[] = [];
  server = createServer(
    {
      requestCert: true,
      rejectUnauthorized: true,
      ca: ca.caPem,
      cert: identity.certPem,
      key: identity.keyPem,
    },
    (socket) => {
      const san = socket.getPeerCertificate().subjectaltname ?? '';
      served.push(san);
      socket.end(`${san}\n`);
    },
  );
  server.on('tlsClientError', (error) => clientErrors.push(error));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, clientErrors, served };
}

/** Connects as `identity` (or with no certificate); resolves to what the server said and the server's SAN. */
async function call(
  port: number,
  ca: string,
  identity?: { certPem: string; keyPem: string },
): Promise<{ received: string; serverSan: string | undefined; error: Error | undefined }> {
  const socket: TLSSocket = connect({
    host: '127.0.0.1',
    port,
    // The DNS SAN names the service, so the ordinary host name check works with servername = service.
    servername: 'orders',
    ca,
    ...(identity === undefined ? {} : { cert: identity.certPem, key: identity.keyPem }),
  });
  socket.setTimeout(5_000, () => socket.destroy(new Error('timed out')));
  let serverSan: string | undefined;
  socket.on('secureConnect', () => {
    serverSan = socket.getPeerCertificate().subjectaltname;
  });
  let error: Error | undefined;
  socket.on('error', (e) => (error = e));
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  await new Promise((closed) => socket.on('close', closed));
  return { received, serverSan, error };
}

describe('certificates in a real mutual TLS handshake', () => {
  it('lets two identities of one CA authenticate each other by their URI SANs', async () => {
    const ca = await createCertificateAuthority({ clock: systemClock });
    const { port, clientErrors, served } = await startServer(ca);
    const cart = await ca.issue({ service: 'cart', instance: 'cart-0', ttlMs: HOUR });
    const { received, serverSan, error } = await call(port, ca.caPem, cart);
    expect(error).toBeUndefined();
    expect(received).toBe('URI:spiffe://opsloop.local/service/cart, DNS:cart\n');
    expect(serverSan).toBe('URI:spiffe://opsloop.local/service/orders, DNS:orders');
    expect(clientErrors).toEqual([]);
    expect(served).toEqual(['URI:spiffe://opsloop.local/service/cart, DNS:cart']);
  });

  it('refuses a client whose certificate comes from another CA, or that has none', async () => {
    const ca = await createCertificateAuthority({ clock: systemClock });
    const other = await createCertificateAuthority({ clock: systemClock });
    const { port, clientErrors, served } = await startServer(ca);
    const impostor = await other.issue({ service: 'cart', instance: 'cart-0', ttlMs: HOUR });

    const foreign = await call(port, ca.caPem, impostor);
    expect(foreign.received).toBe('');
    const anonymous = await call(port, ca.caPem);
    expect(anonymous.received).toBe('');
    // Both were turned away during the handshake: the server never served them.
    await expect.poll(() => clientErrors.length, { timeout: 5_000 }).toBe(2);
    expect(served).toEqual([]);
  });

  it('refuses a server whose certificate comes from another CA', async () => {
    const ca = await createCertificateAuthority({ clock: systemClock });
    const other = await createCertificateAuthority({ clock: systemClock });
    const { port } = await startServer(other);
    const cart = await ca.issue({ service: 'cart', instance: 'cart-0', ttlMs: HOUR });
    const result = await call(port, ca.caPem, cart);
    expect(result.received).toBe('');
    expect(result.serverSan).toBeUndefined();
    expect(result.error?.message).toMatch(/self-signed certificate in certificate chain/);
  });
});
