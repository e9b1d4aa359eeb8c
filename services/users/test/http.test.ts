import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  createEmbeddedBroker,
  createInProcessEventBus,
  type Delivery,
  type EmbeddedBroker,
  type EventBus,
} from '@opsloop/bus';
import { rpc } from '@opsloop/contracts';
import { createService, createStaticResolver, type Service } from '@opsloop/kit';
import { Code, ConnectError, createRpcClient } from '@opsloop/rpc';
import { createPgliteDatabase, createPgliteTemplate, PGLITE_MEMORY, type Database } from '@opsloop/store';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usersService } from '../src/app.js';
import type { UsersTables } from '../src/tables.js';

const PROBLEMS = 'https://opsloop.dev/problems/';

let service: Service;
let database: Database<UsersTables> | undefined;
let brokerDir: string;
let broker: EmbeddedBroker;
/** The test's own client of the broker the service uses (publishes orders, reads user events). */
let bus: EventBus;
let baseUrl: string;

beforeAll(async () => {
  const template = await createPgliteTemplate();
  brokerDir = await mkdtemp(join(tmpdir(), 'opsloop-users-http-'));
  broker = await createEmbeddedBroker({ dir: brokerDir });
  bus = createInProcessEventBus(broker);
  service = await createService(
    usersService({
      createDatabase: async () => {
        database = await createPgliteDatabase<UsersTables>({
          dataDir: PGLITE_MEMORY,
          schema: 'users',
          template,
        });
        return database;
      },
      createBus: () => Promise.resolve(createInProcessEventBus(broker)),
      scrypt: { logN: 10, r: 8, p: 1 },
      env: { LOG_LEVEL: 'silent', ACCESS_TOKEN_TTL_SECONDS: '600' },
    }),
  );
  baseUrl = await service.listen();
});

afterAll(async () => {
  await service?.shutdown('test');
  await bus?.close();
  await broker?.close();
  if (brokerDir !== undefined) await rm(brokerDir, { recursive: true, force: true });
});

interface Sent {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

async function send(request: Sent) {
  const headers: Record<string, string> = { ...request.headers };
  let payload: string | undefined;
  if (request.raw !== undefined) payload = request.raw;
  else if (request.body !== undefined) payload = JSON.stringify(request.body);
  if (payload !== undefined) headers['content-type'] ??= 'application/json';
  const res = await service.app.inject({
    method: request.method,
    url: request.url,
    headers,
    ...(payload === undefined ? {} : { payload }),
  });
  return { status: res.statusCode, headers: res.headers, body: res.json<Record<string, unknown>>() };
}

function expectProblem(res: Awaited<ReturnType<typeof send>>, status: number, slug: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.type).toBe(`${PROBLEMS}${slug}`);
}

const newEmail = () => `shopper-${randomUUID()}@example.test`;
const signUp = (body: unknown, headers?: Record<string, string>) =>
  send({ method: 'POST', url: '/api/users', body, ...(headers ? { headers } : {}) });
const login = (body: unknown) => send({ method: 'POST', url: '/api/users/login', body });
const me = (userId?: string) =>
  send({
    method: 'GET',
    url: '/api/users/me',
    ...(userId === undefined ? {} : { headers: { 'x-user-id': userId } }),
  });

async function registered(password = 'a long enough password') {
  const email = newEmail();
  const res = await signUp({ email, password, name: 'Grace' });
  expect(res.status).toBe(201);
  return { email, password, userId: res.body.userId as string };
}

/** Waits (bounded) until `check` passes. */
async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

describe('users API', () => {
  it('is ready once the database answers', async () => {
    expect((await service.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('signs up (201), refuses a taken email (409), logs in and shows the profile', async () => {
    const email = newEmail();
    const created = await signUp({
      email: email.toUpperCase(),
      password: 'a long enough password',
      name: 'Grace H.',
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ userId: expect.any(String), email, name: 'Grace H.' });
    const userId = created.body.userId as string;
    const taken = await signUp({ email, password: 'another long password', name: 'Someone' });
    expectProblem(taken, 409, 'conflict');
    expect(taken.body.reason).toBe('email-taken');

    const ok = await login({ email, password: 'a long enough password' });
    expect(ok.status).toBe(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(ok.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 600 });

    const profile = await me(userId);
    expect(profile.status).toBe(200);
    expect(profile.body).toEqual({
      userId,
      email,
      name: 'Grace H.',
      loyaltyPoints: 0,
      discountPercent: 0,
      createdAt: expect.any(String),
    });
  });

  it('replays a sign-up with the same Idempotency-Key', async () => {
    const key = randomUUID();
    const body = { email: newEmail(), password: 'a long enough password', name: 'Key' };
    const first = await signUp(body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const again = await signUp(body, { 'idempotency-key': key });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await signUp({ ...body, email: newEmail() }, { 'idempotency-key': key });
    expectProblem(other, 409, 'conflict');
    expect(other.body.reason).toBe('idempotency-key-reused');
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    const { email } = await registered();
    const wrongPassword = await login({ email, password: 'not the password' });
    const unknownEmail = await login({ email: newEmail(), password: 'not the password' });
    for (const res of [wrongPassword, unknownEmail]) {
      expectProblem(res, 401, 'unauthorized');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    const strip = (body: Record<string, unknown>) => ({ ...body, request_id: undefined });
    expect(strip(wrongPassword.body)).toEqual(strip(unknownEmail.body));
    expect(JSON.stringify(wrongPassword.body)).not.toContain('not the password');
  });

  it('issues EdDSA tokens that verify against the served JWKS (over HTTP)', async () => {
    const { email, password, userId } = await registered();
    const jwksRes = await send({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(jwksRes.status).toBe(200);
    expect(jwksRes.headers['cache-control']).toMatch(/max-age=\d+/);
    const jwks = jwksRes.body as { keys: Record<string, unknown>[] };
    expect(jwks.keys.length).toBeGreaterThanOrEqual(1);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
    const { accessToken } = (await login({ email, password })).body as { accessToken: string };
    const remote = createRemoteJWKSet(new URL('/.well-known/jwks.json', baseUrl));
    const { payload, protectedHeader } = await jwtVerify(accessToken, remote, {
      issuer: 'opsloop-shop',
      audience: 'opsloop-shop',
      algorithms: ['EdDSA'],
    });
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', kid: jwks.keys[0]?.kid });
    expect(payload.sub).toBe(userId);
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(600);
    expect(payload.jti).toEqual(expect.any(String));
    // A token signed by anyone else does not verify.
    const forged = `${accessToken.slice(0, accessToken.lastIndexOf('.'))}.${'A'.repeat(86)}`;
    await expect(jwtVerify(forged, createLocalJWKSet(jwks as never))).rejects.toThrow();
  });

  it('publishes user.registered.v1 on the users stream through the outbox', async () => {
    const { email, userId } = await registered();
    const seen: Delivery[] = [];
    const subscription = await bus.subscribe({
      stream: 'users',
      group: `test-${randomUUID().slice(0, 8)}`,
      handler: (delivery) => {
        seen.push(delivery);
        return Promise.resolve();
      },
    });
    try {
      await eventually(async () => {
        const mine = seen.filter((d) => d.event.key === userId);
        expect(mine).toHaveLength(1);
        expect(mine[0]?.event).toMatchObject({ type: 'user.registered.v1', data: { userId, email } });
        await Promise.resolve();
      });
    } finally {
      await subscription.stop();
    }
  });

  it('credits loyalty points from order.placed.v1 exactly once; the profile shows the tier', async () => {
    const { userId } = await registered();
    const orderId = randomUUID();
    const event = {
      id: randomUUID(),
      type: 'order.placed.v1',
      key: orderId,
      time: new Date().toISOString(),
      data: {
        orderId,
        userId,
        lines: [{ productId: randomUUID(), quantity: 2, unitPrice: { amountMinor: 6_000, currency: 'EUR' } }],
        total: { amountMinor: 12_000, currency: 'EUR' },
        paymentId: 'pay-1',
      },
    };
    await bus.publish('orders', event);
    await eventually(async () => {
      const profile = await me(userId);
      expect(profile.body).toMatchObject({ loyaltyPoints: 120, discountPercent: 10 });
    });
    // The same event id published again later (a producer retry): the bus or the inbox drops it.
    await bus.publish('orders', event);
    const next = {
      ...event,
      id: randomUUID(),
      data: { ...event.data, total: { amountMinor: 40_000, currency: 'EUR' } },
    };
    await bus.publish('orders', next);
    await eventually(async () => {
      expect((await me(userId)).body).toMatchObject({ loyaltyPoints: 520, discountPercent: 20 });
    });
  });

  it('answers GetLoyalty over gRPC: points and tier, NOT_FOUND, INVALID_ARGUMENT', async () => {
    const { userId } = await registered();
    const resolver = createStaticResolver(
      new Map([['users', [{ instance: 'users-test-1', url: baseUrl, version: 'test' }]]]),
    );
    const client = createRpcClient(rpc.UsersService, { target: 'users', resolver, timeoutMs: 5000 });
    const codeOf = async (call: Promise<unknown>) => {
      try {
        await call;
        return 'ok';
      } catch (error) {
        return ConnectError.from(error).code;
      }
    };
    try {
      const loyalty = await client.getLoyalty({ userId });
      expect({ ...loyalty }).toMatchObject({ userId, points: 0, discountPercent: 0 });
      expect(await codeOf(client.getLoyalty({ userId: randomUUID() }))).toBe(Code.NotFound);
      expect(await codeOf(client.getLoyalty({ userId: '' }))).toBe(Code.InvalidArgument);
      expect(await codeOf(client.getLoyalty({ userId: 'not-a-uuid' }))).toBe(Code.InvalidArgument);
    } finally {
      await client.close();
    }
  });

  describe('bad input is a 4xx problem, never a 5xx', () => {
    const good = { email: 'someone@example.test', password: 'a long enough password', name: 'Someone' };
    const cases: [string, Sent, number, string][] = [
      ['no body', { method: 'POST', url: '/api/users' }, 400, 'validation-failed'],
      ['malformed JSON', { method: 'POST', url: '/api/users', raw: '{"email":' }, 400, 'malformed-body'],
      ['body is an array', { method: 'POST', url: '/api/users', body: [good] }, 400, 'validation-failed'],
      [
        'missing email',
        { method: 'POST', url: '/api/users', body: { ...good, email: undefined } },
        400,
        'validation-failed',
      ],
      [
        'email not an email',
        { method: 'POST', url: '/api/users', body: { ...good, email: 'nope' } },
        400,
        'validation-failed',
      ],
      [
        'email a number',
        { method: 'POST', url: '/api/users', body: { ...good, email: 42 } },
        400,
        'validation-failed',
      ],
      [
        'email too long',
        { method: 'POST', url: '/api/users', body: { ...good, email: `${'a'.repeat(250)}@x.test` } },
        400,
        'validation-failed',
      ],
      [
        'short password',
        { method: 'POST', url: '/api/users', body: { ...good, password: '123456789' } },
        400,
        'validation-failed',
      ],
      [
        'password too long',
        { method: 'POST', url: '/api/users', body: { ...good, password: 'p'.repeat(1025) } },
        400,
        'validation-failed',
      ],
      [
        'password a number',
        { method: 'POST', url: '/api/users', body: { ...good, password: 12345678901 } },
        400,
        'validation-failed',
      ],
      [
        'missing name',
        { method: 'POST', url: '/api/users', body: { ...good, name: undefined } },
        400,
        'validation-failed',
      ],
      [
        'blank name',
        { method: 'POST', url: '/api/users', body: { ...good, name: '   ' } },
        400,
        'validation-failed',
      ],
      [
        'name with a newline',
        { method: 'POST', url: '/api/users', body: { ...good, name: 'a\nb' } },
        400,
        'validation-failed',
      ],
      [
        'name too long',
        { method: 'POST', url: '/api/users', body: { ...good, name: 'n'.repeat(101) } },
        400,
        'validation-failed',
      ],
      [
        'bad Idempotency-Key',
        { method: 'POST', url: '/api/users', body: good, headers: { 'idempotency-key': 'x'.repeat(256) } },
        400,
        'validation-failed',
      ],
      [
        'huge body',
        { method: 'POST', url: '/api/users', body: { ...good, name: 'n'.repeat(2 * 1024 * 1024) } },
        413,
        'payload-too-large',
      ],
      [
        'text/plain body',
        { method: 'POST', url: '/api/users', raw: 'hello', headers: { 'content-type': 'text/plain' } },
        415,
        'unsupported-media-type',
      ],
      ['login without body', { method: 'POST', url: '/api/users/login' }, 400, 'validation-failed'],
      [
        'login password missing',
        { method: 'POST', url: '/api/users/login', body: { email: 'a@b.test' } },
        400,
        'validation-failed',
      ],
      [
        'login password a number',
        { method: 'POST', url: '/api/users/login', body: { email: 'a@b.test', password: 1 } },
        400,
        'validation-failed',
      ],
      [
        'login email an object',
        { method: 'POST', url: '/api/users/login', body: { email: { $ne: '' }, password: 'x' } },
        400,
        'validation-failed',
      ],
      ['me without x-user-id', { method: 'GET', url: '/api/users/me' }, 401, 'unauthorized'],
      [
        'me with an empty x-user-id',
        { method: 'GET', url: '/api/users/me', headers: { 'x-user-id': ' ' } },
        401,
        'unauthorized',
      ],
      [
        'me of an unknown user',
        { method: 'GET', url: '/api/users/me', headers: { 'x-user-id': randomUUID() } },
        404,
        'resource-not-found',
      ],
      [
        'me of a non-uuid user',
        { method: 'GET', url: '/api/users/me', headers: { 'x-user-id': 'not-a-uuid' } },
        404,
        'resource-not-found',
      ],
      ['unknown route', { method: 'GET', url: '/api/users/nope' }, 404, 'route-not-found'],
    ];

    it.each(cases)('%s', async (_name, request, status, slug) => {
      expectProblem(await send(request), status, slug);
    });
  });
});
