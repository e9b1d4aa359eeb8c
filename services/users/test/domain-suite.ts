import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  createEmbeddedBroker,
  createInProcessEventBus,
  type Delivery,
  type EmbeddedBroker,
} from '@opsloop/bus';
import { createManualClock, type ManualClock } from '@opsloop/kit';
import type { Database } from '@opsloop/store';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoyaltyHandler, getLoyalty, LOYALTY_CONSUMER, ORDERS_STREAM } from '../src/loyalty.js';
import { usersMigrations } from '../src/migrations.js';
import { createPasswordHasher } from '../src/password.js';
import { createSigningKeys, type SigningKeys } from '../src/signing-keys.js';
import type { UsersTables } from '../src/tables.js';
import { createTokenIssuer, TOKEN_AUDIENCE, TOKEN_ISSUER } from '../src/tokens.js';
import { createUsers, type RegisterResult, type UserAccount, type Users } from '../src/users.js';

/** How a suite opens its database and, when done, disposes of it (close, and drop what it created). */
export interface UsersBackend {
  open(): Promise<Database<UsersTables>>;
  dispose(database: Database<UsersTables>): Promise<void>;
}

const START = Date.parse('2030-01-01T00:00:00Z');
const hasher = createPasswordHasher({ logN: 10, r: 8, p: 1 });

const created = (result: RegisterResult): UserAccount => {
  if (result.outcome !== 'created') throw new Error(`expected created, got ${JSON.stringify(result)}`);
  return result.user;
};

/** An order.placed.v1 delivery as the bus would hand it to the loyalty handler. */
function orderPlaced(userId: string, amountMinor: number, id = randomUUID()): Delivery {
  const orderId = randomUUID();
  return {
    stream: ORDERS_STREAM,
    seq: 1,
    partition: 0,
    attempt: 1,
    event: {
      id,
      type: 'order.placed.v1',
      key: orderId,
      time: new Date(START).toISOString(),
      data: {
        orderId,
        userId,
        lines: [{ productId: randomUUID(), quantity: 1, unitPrice: { amountMinor, currency: 'EUR' } }],
        total: { amountMinor, currency: 'EUR' },
        paymentId: `pay-${orderId}`,
      },
    },
  };
}

/**
 * The users domain (accounts, passwords, signing keys, loyalty) on one database backend. Tests use their own
 * random emails, so they share one migrated database, except the key tests, which empty the key table.
 */
export function describeUsersDomain(name: string, backend: UsersBackend): void {
  describe(`users domain on ${name}`, () => {
    let database: Database<UsersTables> | undefined;
    let setupFailure: Error | undefined;

    beforeAll(async () => {
      try {
        database = await backend.open();
        await database.migrate(usersMigrations);
      } catch (error) {
        setupFailure = error instanceof Error ? error : new Error(String(error));
      }
    });

    afterAll(async () => {
      if (database !== undefined) await backend.dispose(database);
    });

    const db = (): Database<UsersTables> => {
      if (setupFailure !== undefined) throw setupFailure;
      if (database === undefined) throw new Error('no database');
      return database;
    };

    let notified = 0;
    const domain = (): Users =>
      createUsers({ database: db(), hasher, now: () => START, onEnqueued: () => void notified++ });
    const email = () => `user-${randomUUID()}@example.test`;
    const signUp = (users: Users, overrides: Partial<Parameters<Users['register']>[0]> = {}) =>
      users.register({ email: email(), password: 'a long enough password', name: 'Ada', ...overrides });

    describe('accounts', () => {
      it('registers an account with a UUIDv7 id and enqueues user.registered.v1 in the same transaction', async () => {
        const users = domain();
        const before = notified;
        const address = email();
        const user = created(await signUp(users, { email: `  ${address.toUpperCase()} `, name: ' Ada L. ' }));
        expect(user).toEqual({
          userId: expect.stringMatching(
            /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
          ),
          email: address,
          name: 'Ada L.',
          loyaltyPoints: 0,
          createdAt: new Date(START),
        });
        expect(notified).toBe(before + 1);
        const events = await db()
          .db.selectFrom('outbox')
          .select(['stream', 'type', 'key', 'data'])
          .where('key', '=', user.userId)
          .execute();
        expect(events).toEqual([
          {
            stream: 'users',
            type: 'user.registered.v1',
            key: user.userId,
            data: { userId: user.userId, email: address },
          },
        ]);
        expect(await users.get(user.userId)).toEqual(user);
        expect(await users.get(user.userId.toUpperCase())).toEqual(user);
        expect(await users.get(randomUUID())).toBeUndefined();
        expect(await users.get('not-a-uuid')).toBeUndefined();
        const stored = await db()
          .db.selectFrom('users')
          .select('password_hash')
          .where('id', '=', user.userId)
          .executeTakeFirstOrThrow();
        expect(stored.password_hash).toMatch(/^scrypt\$/);
        expect(stored.password_hash).not.toContain('a long enough password');
      });

      it('answers conflict for a taken email, whatever its case, and writes no event', async () => {
        const users = domain();
        const address = email();
        created(await signUp(users, { email: address }));
        const outboxBefore = await db().db.selectFrom('outbox').select('seq').execute();
        expect(await signUp(users, { email: address.toUpperCase() })).toEqual({
          outcome: 'conflict',
          reason: 'email-taken',
        });
        expect(await db().db.selectFrom('outbox').select('seq').execute()).toHaveLength(outboxBefore.length);
      });

      it('replays a sign-up retried with its Idempotency-Key, and refuses the key for another one', async () => {
        const users = domain();
        const key = randomUUID();
        const address = email();
        const user = created(await signUp(users, { email: address, idempotencyKey: key }));
        expect(await signUp(users, { email: address, idempotencyKey: key })).toEqual({
          outcome: 'replayed',
          user,
        });
        expect(
          await signUp(users, { email: address, idempotencyKey: key, password: 'another password!' }),
        ).toEqual({
          outcome: 'conflict',
          reason: 'idempotency-key-reused',
        });
        expect(await signUp(users, { idempotencyKey: key })).toEqual({
          outcome: 'conflict',
          reason: 'idempotency-key-reused',
        });
      });

      it('concurrent sign-ups with one email: exactly one account', async () => {
        const users = domain();
        const address = email();
        const results = await Promise.all(Array.from({ length: 5 }, () => signUp(users, { email: address })));
        expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
        expect(results.filter((r) => r.outcome === 'conflict')).toHaveLength(4);
        const rows = await db().db.selectFrom('users').select('id').where('email', '=', address).execute();
        expect(rows).toHaveLength(1);
      });

      it('concurrent retries with one Idempotency-Key: one account, the others replay it', async () => {
        const users = domain();
        const input = { email: email(), idempotencyKey: randomUUID() };
        const results = await Promise.all(Array.from({ length: 4 }, () => signUp(users, input)));
        expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
        expect(results.filter((r) => r.outcome === 'replayed')).toHaveLength(3);
      });

      it('authenticates the right password only, the same way for an unknown email', async () => {
        const users = domain();
        const address = email();
        const user = created(await signUp(users, { email: address, password: 'the right password' }));
        expect(await users.authenticate(address.toUpperCase(), 'the right password')).toEqual(user);
        expect(await users.authenticate(address, 'the wrong password')).toBeUndefined();
        expect(await users.authenticate(email(), 'the right password')).toBeUndefined();
        expect(await users.authenticate('', 'x')).toBeUndefined();
      });

      it('upgrades a hash made with older parameters at the next login', async () => {
        const old = createUsers({ database: db(), hasher: createPasswordHasher({ logN: 11, r: 8, p: 1 }) });
        const address = email();
        const user = created(
          await old.register({ email: address, password: 'upgrade me please', name: 'Bo' }),
        );
        const hashOf = async () =>
          (
            await db()
              .db.selectFrom('users')
              .select('password_hash')
              .where('id', '=', user.userId)
              .executeTakeFirstOrThrow()
          ).password_hash;
        expect(await hashOf()).toMatch(/ln=11/);
        expect(await domain().authenticate(address, 'upgrade me please')).toEqual(user);
        expect(await hashOf()).toMatch(/ln=10/);
        expect(await domain().authenticate(address, 'upgrade me please')).toEqual(user);
      });

      it('rejects invalid input by throwing (callers validate first)', async () => {
        const users = domain();
        for (const overrides of [
          { email: 'no-at-sign' },
          { email: `${'x'.repeat(250)}@example.test` },
          { name: '   ' },
          { name: 'n'.repeat(101) },
          { password: 'short' },
          { password: 'p'.repeat(1025) },
          { idempotencyKey: 'has space' },
        ])
          await expect(signUp(users, overrides), JSON.stringify(overrides).slice(0, 80)).rejects.toThrow(
            RangeError,
          );
      });
    });

    describe('loyalty', () => {
      it('adds floor(total / 100) points per order.placed.v1, exactly once per event', async () => {
        const user = created(await signUp(domain()));
        const handler = createLoyaltyHandler({ database: db() });
        const first = orderPlaced(user.userId, 12_345);
        await handler(first);
        expect(await getLoyalty(db(), user.userId)).toEqual({
          userId: user.userId,
          points: 123,
          discountPercent: 10,
        });
        // The same event again (a redelivery): nothing changes.
        await handler({ ...first, attempt: 2 });
        await Promise.all([handler(first), handler(first)]);
        expect((await getLoyalty(db(), user.userId))?.points).toBe(123);
        await handler(orderPlaced(user.userId, 40_000));
        expect(await getLoyalty(db(), user.userId)).toEqual({
          userId: user.userId,
          points: 523,
          discountPercent: 20,
        });
        const inbox = await db()
          .db.selectFrom('inbox')
          .select('event_id')
          .where('consumer', '=', LOYALTY_CONSUMER)
          .where('event_id', '=', first.event.id)
          .execute();
        expect(inbox).toHaveLength(1);
      });

      it('ignores other types, small totals and unknown users; throws on data that breaks the contract', async () => {
        const user = created(await signUp(domain()));
        const handler = createLoyaltyHandler({ database: db() });
        const other = orderPlaced(user.userId, 50_000);
        await handler({ ...other, event: { ...other.event, type: 'order.cancelled.v1' } });
        await handler(orderPlaced(user.userId, 99));
        await handler(orderPlaced(randomUUID(), 10_000));
        await handler(orderPlaced('user-not-a-uuid', 10_000));
        expect((await getLoyalty(db(), user.userId))?.points).toBe(0);
        const broken = orderPlaced(user.userId, 10_000);
        await expect(
          handler({
            ...broken,
            event: { ...broken.event, data: { ...(broken.event.data as object), total: 'lots' } },
          }),
        ).rejects.toThrow();
        // It recorded nothing: a corrected redelivery would still count.
        const inbox = await db()
          .db.selectFrom('inbox')
          .select('event_id')
          .where('event_id', '=', broken.event.id)
          .execute();
        expect(inbox).toHaveLength(0);
        expect(await getLoyalty(db(), randomUUID())).toBeUndefined();
        expect(await getLoyalty(db(), 'nope')).toBeUndefined();
      });

      it('through the bus: a delivery redelivered after its effect committed adds its points once', async () => {
        const user = created(await signUp(domain()));
        let brokerDir: string | undefined;
        let broker: EmbeddedBroker | undefined;
        try {
          brokerDir = await mkdtemp(join(tmpdir(), 'opsloop-users-'));
          broker = await createEmbeddedBroker({ dir: brokerDir });
          const bus = createInProcessEventBus(broker);
          await bus.ensureStream(ORDERS_STREAM);
          const handler = createLoyaltyHandler({ database: db() });
          const attempts: number[] = [];
          let done: () => void = () => undefined;
          const settled = new Promise<void>((resolve) => (done = resolve));
          const subscription = await bus.subscribe({
            stream: ORDERS_STREAM,
            group: LOYALTY_CONSUMER,
            backoffMs: [10],
            handler: async (delivery) => {
              attempts.push(delivery.attempt);
              await handler(delivery);
              // The first attempt "crashes" after its transaction committed, before the ack: the bus redelivers.
              if (delivery.attempt === 1) throw new Error('lost ack');
              done();
            },
          });
          const event = orderPlaced(user.userId, 25_000).event;
          await bus.publish(ORDERS_STREAM, event);
          // Published again by a retrying producer: the bus dedupes it.
          expect((await bus.publish(ORDERS_STREAM, event)).duplicate).toBe(true);
          await settled;
          await subscription.stop();
          await bus.close();
          expect(attempts).toEqual([1, 2]);
          expect((await getLoyalty(db(), user.userId))?.points).toBe(250);
        } finally {
          await broker?.close();
          if (brokerDir !== undefined) await rm(brokerDir, { recursive: true, force: true });
        }
      });
    });

    describe('signing keys', () => {
      const HOUR = 3_600_000;
      const ttlSeconds = 900;
      const retentionMs = ttlSeconds * 1000 + 60_000;
      let clock: ManualClock;

      const keysAt = (c: ManualClock, rotateAfterMs = 24 * HOUR): SigningKeys =>
        createSigningKeys({
          database: db(),
          clock: c,
          retentionMs,
          rotateAfterMs,
          publishLeadMs: HOUR,
          cacheMs: 0,
        });

      async function verify(token: string, keys: SigningKeys, at: number) {
        return jwtVerify(token, createLocalJWKSet(await keys.jwks()), {
          issuer: TOKEN_ISSUER,
          audience: TOKEN_AUDIENCE,
          algorithms: ['EdDSA'],
          currentDate: new Date(at),
        });
      }

      it('creates one first key even when replicas start together, and signs verifiable tokens', async () => {
        await db().db.deleteFrom('signing_key').execute();
        clock = createManualClock(START);
        const replicas = Array.from({ length: 3 }, () => keysAt(clock));
        const results = await Promise.all(replicas.map((keys) => keys.maintain()));
        expect(results.filter((r) => r.created !== undefined)).toHaveLength(1);
        const jwks = await replicas[0]!.jwks();
        expect(jwks.keys).toHaveLength(1);
        expect(jwks.keys[0]).toEqual({
          kty: 'OKP',
          crv: 'Ed25519',
          x: expect.any(String),
          kid: results.find((r) => r.created)?.created,
          alg: 'EdDSA',
          use: 'sig',
        });
        expect(jwks.keys[0]).not.toHaveProperty('d');

        const userId = randomUUID();
        const issued = await createTokenIssuer({ keys: replicas[1]!, clock, ttlSeconds }).issue(userId);
        expect(issued).toMatchObject({ tokenType: 'Bearer', expiresIn: ttlSeconds });
        expect(decodeProtectedHeader(issued.accessToken)).toEqual({
          alg: 'EdDSA',
          kid: jwks.keys[0]?.kid,
          typ: 'JWT',
        });
        const { payload } = await verify(issued.accessToken, replicas[2]!, START + 1000);
        expect(payload).toEqual({
          iss: TOKEN_ISSUER,
          aud: TOKEN_AUDIENCE,
          sub: userId,
          iat: START / 1000,
          exp: START / 1000 + ttlSeconds,
          jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
        });
        await expect(verify(issued.accessToken, replicas[2]!, START + ttlSeconds * 1000 + 1)).rejects.toThrow(
          /exp/,
        );
      });

      it('rotates: publishes the successor ahead, switches at its activation, prunes the old key after its tokens', async () => {
        await db().db.deleteFrom('signing_key').execute();
        clock = createManualClock(START);
        const keys = keysAt(clock);
        const tokens = createTokenIssuer({ keys, clock, ttlSeconds });
        const first = (await keys.maintain()).created;
        expect(first).toBeDefined();
        expect(await keys.maintain()).toEqual({ pruned: [] });

        clock.advance(24 * HOUR);
        const oldToken = (await tokens.issue('u1')).accessToken;
        const rotation = await keys.maintain();
        const second = rotation.rotated;
        expect(second).toBeDefined();
        expect(rotation.pruned).toEqual([]);
        // Published before it signs; the old key still signs during the lead.
        expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([first, second]);
        expect((await keys.active()).kid).toBe(first);
        expect(await keys.maintain()).toEqual({ pruned: [] });

        clock.advance(HOUR);
        expect((await keys.active()).kid).toBe(second);
        const newToken = (await tokens.issue('u2')).accessToken;
        expect(decodeProtectedHeader(newToken).kid).toBe(second);
        // Tokens of the old key still verify while they can be valid.
        await verify(newToken, keys, clock.now());
        expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([first, second]);

        clock.advance(retentionMs);
        expect(await keys.maintain()).toEqual({ pruned: [first] });
        expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([second]);
        await expect(verify(oldToken, keys, clock.now() - retentionMs)).rejects.toThrow();
        await verify(newToken, keys, clock.now() - retentionMs);
      });

      it('rotate() forces a successor; rotateAfter 0 never rotates by itself', async () => {
        await db().db.deleteFrom('signing_key').execute();
        clock = createManualClock(START);
        const keys = keysAt(clock, 0);
        const first = (await keys.maintain()).created;
        clock.advance(1000 * 24 * HOUR);
        expect(await keys.maintain()).toEqual({ pruned: [] });
        const forced = await keys.rotate();
        expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([first, forced]);
        clock.advance(HOUR);
        expect((await keys.active()).kid).toBe(forced);
      });
    });
  });
}
