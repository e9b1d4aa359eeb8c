import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertSchemaName,
  isCheckViolation,
  isForeignKeyViolation,
  isSerializationFailure,
  isUniqueViolation,
  MigrationError,
  redactUrl,
  schemaNameForService,
  sqlState,
  storeConfigSchema,
} from '../src/index.js';
import { retryDelayMs } from '../src/transaction.js';
import { parseInt8 } from '../src/type-parsers.js';

describe('SQLSTATE predicates', () => {
  it('read `code` from pg and PGlite errors alike, and follow `cause`', () => {
    const unique = Object.assign(new Error('duplicate key'), { code: '23505' });
    expect(isUniqueViolation(unique)).toBe(true);
    expect(isUniqueViolation(new MigrationError('wrapped', '0001_x', { cause: unique }))).toBe(true);
    expect(isForeignKeyViolation({ code: '23503' })).toBe(true);
    expect(isCheckViolation({ code: '23514' })).toBe(true);
    expect(isSerializationFailure({ code: '40001' })).toBe(true);
    expect(isSerializationFailure({ code: '40P01' })).toBe(true);
    expect(sqlState(new Error('x', { cause: { code: '57014' } }))).toBe('57014');
  });

  it('say no to anything else', () => {
    for (const value of [undefined, null, 'x', 23505, {}, { code: 'ECONNREFUSED' }, { code: 23505 }]) {
      expect(isUniqueViolation(value)).toBe(false);
      expect(sqlState(value)).toBeUndefined();
    }
    expect(isSerializationFailure({ code: '23505' })).toBe(false);
  });
});

describe('schema names', () => {
  it('accepts lower-case identifiers up to 63 characters', () => {
    expect(assertSchemaName('cart')).toBe('cart');
    expect(assertSchemaName('_x1')).toBe('_x1');
    expect(assertSchemaName('a'.repeat(63))).toBe('a'.repeat(63));
    expect(schemaNameForService('order-history')).toBe('order_history');
  });

  it('rejects anything that would need quoting, is too long or is reserved', () => {
    for (const bad of ['', 'Cart', '1cart', 'a-b', 'a b', 'a"b', 'a'.repeat(64), 'pg_cart', 'public']) {
      expect(() => assertSchemaName(bad)).toThrow(TypeError);
    }
    expect(() => schemaNameForService('Orders')).toThrow(/invalid schema name/);
  });
});

describe('storeConfigSchema', () => {
  it('accepts postgres:// and postgresql:// URLs and a data directory, all optional', () => {
    expect(storeConfigSchema.parse({})).toEqual({});
    expect(
      storeConfigSchema.parse({ DATABASE_URL: 'postgres://u:p@db:5432/shop', DATA_DIR: '/var/lib/opsloop' }),
    ).toEqual({ DATABASE_URL: 'postgres://u:p@db:5432/shop', DATA_DIR: '/var/lib/opsloop' });
    expect(storeConfigSchema.parse({ DATABASE_URL: 'postgresql://db/shop' }).DATABASE_URL).toBe(
      'postgresql://db/shop',
    );
    // A Unix-socket connection has no host in the authority.
    expect(
      storeConfigSchema.safeParse({ DATABASE_URL: 'postgres:///shop?host=/run/postgresql' }).success,
    ).toBe(true);
  });

  it('rejects other schemes and non-URLs', () => {
    for (const bad of ['mysql://db/shop', 'http://db', 'not a url', 'postgres']) {
      expect(storeConfigSchema.safeParse({ DATABASE_URL: bad }).success).toBe(false);
    }
    expect(storeConfigSchema.safeParse({ DATA_DIR: '' }).success).toBe(false);
  });
});

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactUrl('postgres://shop:s3cret@db:5432/shop?sslmode=require')).toBe(
      'postgres://shop:***@db:5432/shop?sslmode=require',
    );
    expect(redactUrl('postgres://postgres@127.0.0.1:5432/test')).toBe(
      'postgres://postgres@127.0.0.1:5432/test',
    );
    expect(redactUrl('::not a url s3cret')).not.toContain('s3cret');
  });
});

describe('int8 parsing', () => {
  it('gives a number when exact and a bigint otherwise', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (value) => {
        const parsed = parseInt8(value.toString());
        if (typeof parsed === 'number') {
          expect(Number.isSafeInteger(parsed)).toBe(true);
          expect(BigInt(parsed)).toBe(value);
        } else {
          expect(parsed).toBe(value);
          expect(value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)).toBe(
            true,
          );
        }
      }),
    );
  });
});

describe('retry back-off', () => {
  it('grows from 10 ms, is capped at 250 ms and jitters ±50 %', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, r) => {
          const base = Math.min(250, 10 * 2 ** (n - 1));
          const delay = retryDelayMs(n, () => r);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.5));
          expect(delay).toBeLessThanOrEqual(Math.ceil(base * 1.5));
        },
      ),
    );
  });
});
