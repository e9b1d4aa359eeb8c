import { randomUUID, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:http2';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rpc } from '@opsloop/contracts';
import {
  createStaticResolver,
  createTestCertificateAuthority,
  watchIdentity,
  type IdentityWatcher,
} from '@opsloop/kit';
import { Code, ConnectError, createRpcClient } from '@opsloop/rpc';
import { keepOnly, startStack, waitFor, type Stack } from './support/stack.js';

/**
 * Issue 5's mTLS must-show on the shop: the runtime's certificates carry the identities, users accepts gRPC
 * only from the services that depend on it (cart, gateway), refuses (and logs) cleartext, foreign
 * certificates and callers it does not allow, and certificates renewed every 5 s under load drop no call.
 */
describe('service identity and call policy in the shop', () => {
  let stack: Stack;
  let usersUrl: string;
  const watchers: IdentityWatcher[] = [];
  const log = pino({ level: 'silent' });
  const stateDir = () => join(stack.dir, '.opsloop');
  const usersLog = () => readFileSync(join(stateDir(), 'logs', 'users-1.log'), 'utf8');

  beforeAll(async () => {
    stack = await startStack((spec) => {
      keepOnly(spec, ['catalog', 'users', 'cart', 'gateway']);
      // Short-lived certificates: renewed at half-life, every 5 s.
      spec.runtime = { mtls: { certTtlSeconds: 10 } };
    });
    const status = JSON.parse((await stack.cli('status', '-o', 'json')).stdout) as {
      services: { name: string; replicas: { url: string | null }[] }[];
    };
    usersUrl = status.services.find((s) => s.name === 'users')!.replicas[0]!.url!;
  }, 240_000);

  afterAll(async () => {
    for (const w of watchers) w.close();
    await stack?.stop();
  });

  /** A users client holding the identity in `dir` (a replica's, or one the test made). */
  const usersClient = (dir: string) => {
    const identity = watchIdentity({ dir, log, intervalMs: 200 });
    watchers.push(identity);
    return createRpcClient(rpc.UsersService, {
      target: 'users',
      resolver: createStaticResolver(
        new Map([['users', [{ instance: 'users-1', url: usersUrl, version: '1' }]]]),
      ),
      identity,
      timeoutMs: 5_000,
      retry: { maxAttempts: 1 },
    });
  };
  const errorOf = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      return ConnectError.from(error);
    }
    throw new Error('the call succeeded');
  };

  it('refuses a caller the spec does not allow (catalog does not depend on users), and logs it', async () => {
    const client = usersClient(join(stateDir(), 'identity', 'catalog-1'));
    const error = await errorOf(client.getLoyalty({ userId: randomUUID() }));
    expect(error.code).toBe(Code.PermissionDenied);
    await waitFor('the refusal in the users log', () =>
      /rpc caller refused[\s\S]*"caller":"catalog"|"caller":"catalog"[\s\S]*rpc caller refused/.test(
        usersLog(),
      )
        ? true
        : undefined,
    );
    await client.close();
  });

  it('refuses a call without a certificate (cleartext) and one with a certificate of another CA', async () => {
    const cleartext = createRpcClient(rpc.UsersService, {
      target: 'users',
      resolver: createStaticResolver(
        new Map([['users', [{ instance: 'users-1', url: usersUrl, version: '1' }]]]),
      ),
      retry: { maxAttempts: 1 },
    });
    expect((await errorOf(cleartext.getLoyalty({ userId: randomUUID() }))).code).toBe(Code.Unauthenticated);
    await cleartext.close();

    // A certificate naming an allowed caller (gateway), signed by a CA the runtime never trusted. The kit
    // would not even load such an identity, so this client speaks TLS itself.
    const foreign = await createTestCertificateAuthority('not the runtime');
    const leaf = await foreign.issue('gateway');
    const runtimeCa = readFileSync(join(stateDir(), 'identity', 'gateway-1', 'ca.crt'), 'utf8');
    const outcome = await new Promise<string>((resolve) => {
      const session = connect(usersUrl.replace('http://', 'https://'), {
        ca: runtimeCa,
        cert: leaf.certPem,
        key: leaf.keyPem,
        servername: 'users',
        ALPNProtocols: ['h2'],
      });
      session.on('error', (error: Error) => resolve(`refused: ${error.message}`));
      // TLS 1.3: the server's verdict on the client certificate comes after the client's handshake ends.
      session.on('close', () => resolve('refused: connection closed'));
      const stream = session.request({
        ':method': 'POST',
        ':path': '/opsloop.shop.v1.UsersService/GetLoyalty',
        'content-type': 'application/grpc',
      });
      stream.on('error', (error: Error) => resolve(`refused: ${error.message}`));
      stream.on('response', (headers) => resolve(`answered: ${String(headers[':status'])}`));
      stream.on('close', () => {
        resolve('refused: stream closed without an answer');
        session.destroy();
      });
      stream.end();
      setTimeout(() => resolve('no answer'), 5_000).unref();
    });
    expect(outcome).toMatch(/^refused: /);
    await waitFor('both refusals in the users log', () => {
      const text = usersLog();
      return /mutual TLS required/.test(text) && /TLS handshake refused/.test(text) ? true : undefined;
    });
  });

  it('answers an allowed caller through certificate renewals on both sides with no failed call', async () => {
    // The gateway's own identity directory, renewed by the runtime as the gateway's is.
    const client = usersClient(join(stateDir(), 'identity', 'gateway-1'));
    const serialOf = (instance: string) =>
      new X509Certificate(readFileSync(join(stateDir(), 'identity', instance, 'tls.crt'))).serialNumber;
    const seen = { users: new Set([serialOf('users-1')]), gateway: new Set([serialOf('gateway-1')]) };
    const sampler = setInterval(() => {
      seen.users.add(serialOf('users-1'));
      seen.gateway.add(serialOf('gateway-1'));
    }, 250);
    let answered = 0;
    const failures: string[] = [];
    const deadline = Date.now() + 14_000;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (Date.now() < deadline) {
          try {
            await client.getLoyalty({ userId: randomUUID() });
            answered++;
          } catch (error) {
            const e = ConnectError.from(error);
            // NOT_FOUND is the users service answering (a random user): the call went through.
            if (e.code === Code.NotFound) answered++;
            else failures.push(`${Code[e.code]}: ${e.message}`);
          }
        }
      }),
    );
    clearInterval(sampler);
    await client.close();
    expect(failures.slice(0, 5), `${failures.length} failed of ${answered + failures.length}`).toEqual([]);
    expect(answered).toBeGreaterThan(500);
    // Both sides renewed at least twice meanwhile (every 5 s), users without a restart.
    expect(seen.users.size).toBeGreaterThanOrEqual(3);
    expect(seen.gateway.size).toBeGreaterThanOrEqual(3);
  }, 60_000);
});
