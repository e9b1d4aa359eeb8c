import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime, StartResult } from '../src/runtime.js';
import { parseSpec } from '../src/spec/load-spec.js';
import { waitFor } from './fake-service.js';
import { startLiveRuntime, type LiveRuntime } from './live-runtime.js';

interface Described {
  pid: number;
  tlsDir: string | null;
  rpcCallers: string | null;
}

/** Service identity from the runtime's side: each replica's certificate, its rotation, the caller policy. */
describe('replica identities issued by the runtime', () => {
  let live: LiveRuntime;
  let runtime: Runtime;
  let result: StartResult;

  beforeAll(async () => {
    live = await startLiveRuntime('identity', (script) => {
      const service = (extra: string) => `
    command: ${JSON.stringify([process.execPath, script])}
    expose: { port: 0 }
    probes:
      readiness: { path: /readyz, periodSeconds: 1 }${extra}`;
      return parseSpec(`apiVersion: opsloop.dev/v1alpha1
kind: System
metadata: { name: identity }
runtime: { bus: "off", mtls: { certTtlSeconds: 10 } }
services:
  orders:${service('')}
  checkout:${service('\n    dependsOn: [orders]')}
  gateway:${service('\n    dependsOn: [orders, checkout]')}
`);
    });
    ({ runtime, result } = live);
  }, 60_000);

  afterAll(() => live?.stop());

  const describeReplica = async (service: string) => {
    const response = await request(`${result.endpoints[service]}/whoami`, { reset: true });
    return (await response.body.json()) as Described;
  };
  const leaf = async (tlsDir: string) => new X509Certificate(await readFile(join(tlsDir, 'tls.crt')));

  it('gives each replica a certificate naming its service, signed by the run CA, and its allowed callers', async () => {
    expect(result.ready).toBe(true);
    const orders = await describeReplica('orders');
    expect(orders.tlsDir).not.toBeNull();
    const cert = await leaf(orders.tlsDir!);
    expect(cert.subjectAltName).toContain('URI:spiffe://opsloop.local/service/orders');
    expect(cert.checkIssued(new X509Certificate(await readFile(join(orders.tlsDir!, 'ca.crt'))))).toBe(true);
    // Callers are the services that depend on it: NetworkPolicy ingress, from dependsOn read in reverse.
    expect(orders.rpcCallers).toBe('checkout,gateway');
    expect((await describeReplica('checkout')).rpcCallers).toBe('gateway');
    expect((await describeReplica('gateway')).rpcCallers).toBe('');
  });

  it('renews the certificate before it expires without restarting the replica', async () => {
    const before = await describeReplica('orders');
    const first = (await leaf(before.tlsDir!)).serialNumber;
    const renewed = await waitFor(
      'a renewed certificate',
      async () => {
        const serial = (await leaf(before.tlsDir!)).serialNumber;
        return serial !== first ? serial : undefined;
      },
      20_000,
      250,
    );
    expect(renewed).not.toBe(first);
    expect((await describeReplica('orders')).pid).toBe(before.pid);
  });

  it('removes a replica identity when it stops', async () => {
    const { tlsDir } = await describeReplica('checkout');
    await runtime.rolloutAction('checkout', 'restart');
    await waitFor('the old identity gone', () => (existsSync(tlsDir!) ? undefined : true), 30_000, 200);
  });
});
