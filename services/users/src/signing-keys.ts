import { sql, type Kysely } from 'kysely';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';
import type { Clock } from '@opsloop/kit';
import type { Database } from '@opsloop/store';
import { activeKey, needsFirstKey, prunableKeys, publishedKeys, rotationDue } from './key-ring.js';
import type { StoredJwk, UsersTables } from './tables.js';

/** The JWS algorithm of access tokens: EdDSA over Ed25519. */
export const SIGNING_ALGORITHM = 'EdDSA';

/** A public key as `GET /.well-known/jwks.json` serves it. */
export interface PublicJwk extends JWK {
  kty: string;
  kid: string;
  alg: typeof SIGNING_ALGORITHM;
  use: 'sig';
}

/** A JSON Web Key Set (RFC 7517). */
export interface JsonWebKeySet {
  keys: PublicJwk[];
}

/** The key that signs now. */
export interface ActiveSigningKey {
  kid: string;
  key: CryptoKey;
}

/** What one {@link SigningKeys.maintain} did. */
export interface MaintainResult {
  /** The kid of the key created because there was none (first start). */
  created?: string;
  /** The kid of the successor created because the active key was due for rotation. */
  rotated?: string;
  /** The kids of the retired keys deleted. */
  pruned: string[];
}

/** Raised when no key signs yet (never after a successful {@link SigningKeys.maintain}). */
export class NoSigningKeyError extends Error {
  override readonly name = 'NoSigningKeyError';
  constructor() {
    super('no access-token signing key is active');
  }
}

/** Options of {@link createSigningKeys}. */
export interface SigningKeysOptions {
  database: Database<UsersTables>;
  clock: Pick<Clock, 'now'>;
  /**
   * How long a replaced key stays published after its successor activated: the longest access-token
   * lifetime plus a clock-skew allowance.
   */
  retentionMs: number;
  /** Age of the active key after which {@link SigningKeys.maintain} starts a rotation; 0 never does. */
  rotateAfterMs: number;
  /** How far ahead of its activation a successor is published (longer than any verifier caches the JWKS). */
  publishLeadMs: number;
  /** How long this process trusts its copy of the keys before reading them again (default 30 s). */
  cacheMs?: number;
}

/**
 * The access-token signing keys, kept in the users database (never in files or the environment) and shared
 * by every replica. See `key-ring.ts` for their life.
 */
export interface SigningKeys {
  /**
   * Creates the first key if there is none, starts a rotation when one is due, and deletes keys no valid
   * token can name. Safe to run on every replica at once (the table is locked for the decision).
   */
  maintain(): Promise<MaintainResult>;
  /** Rotates now: a new key, published at once, that signs from `now + publishLeadMs`. Returns its kid. */
  rotate(): Promise<string>;
  /** The key that signs now. */
  active(): Promise<ActiveSigningKey>;
  /** The public keys to publish now. */
  jwks(): Promise<JsonWebKeySet>;
}

interface KeyRow {
  kid: string;
  activatesAt: Date;
  publicJwk: StoredJwk;
  privateJwk: StoredJwk;
}

/** How long the process keeps its copy of the key table by default. */
export const DEFAULT_KEY_CACHE_MS = 30_000;

async function newKeyPair(): Promise<{ kid: string; publicJwk: StoredJwk; privateJwk: StoredJwk }> {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALGORITHM, {
    crv: 'Ed25519',
    extractable: true,
  });
  const publicJwk = (await exportJWK(publicKey)) as StoredJwk;
  const privateJwk = (await exportJWK(privateKey)) as StoredJwk;
  // RFC 7638 thumbprint: a kid derived from the key itself, unique without coordination between replicas.
  const kid = await calculateJwkThumbprint(publicJwk);
  return { kid, publicJwk, privateJwk };
}

async function loadKeys(db: Kysely<UsersTables>): Promise<KeyRow[]> {
  const rows = await db
    .selectFrom('signing_key')
    .select(['kid', 'activates_at', 'public_jwk', 'private_jwk'])
    .execute();
  return rows.map((row) => ({
    kid: row.kid,
    activatesAt: row.activates_at,
    publicJwk: row.public_jwk,
    privateJwk: row.private_jwk,
  }));
}

function toPublicJwk(row: KeyRow): PublicJwk {
  const { kty, crv, x } = row.publicJwk;
  return {
    kty,
    ...(crv === undefined ? {} : { crv }),
    ...(x === undefined ? {} : { x }),
    kid: row.kid,
    alg: SIGNING_ALGORITHM,
    use: 'sig',
  };
}

/** Creates the {@link SigningKeys} over the users database. */
export function createSigningKeys(options: SigningKeysOptions): SigningKeys {
  const { database, clock, retentionMs, rotateAfterMs, publishLeadMs } = options;
  const cacheMs = options.cacheMs ?? DEFAULT_KEY_CACHE_MS;
  let cache: { rows: KeyRow[]; loadedAt: number } | undefined;
  const imported = new Map<string, Promise<CryptoKey>>();

  async function rows(): Promise<KeyRow[]> {
    const now = clock.now();
    if (cache === undefined || now - cache.loadedAt >= cacheMs || now < cache.loadedAt) {
      cache = { rows: await loadKeys(database.db), loadedAt: now };
    }
    return cache.rows;
  }

  async function insert(activatesAt: number): Promise<string> {
    const pair = await newKeyPair();
    await database.transaction(async (trx) => {
      await trx
        .insertInto('signing_key')
        .values({
          kid: pair.kid,
          algorithm: SIGNING_ALGORITHM,
          public_jwk: sql<string>`cast(${JSON.stringify(pair.publicJwk)} as jsonb)`,
          private_jwk: sql<string>`cast(${JSON.stringify(pair.privateJwk)} as jsonb)`,
          created_at: new Date(clock.now()),
          activates_at: new Date(activatesAt),
        })
        .execute();
    });
    cache = undefined;
    return pair.kid;
  }

  return {
    async maintain() {
      // Made before the transaction (key generation is not database work); unused when nothing is due.
      const candidate = await newKeyPair();
      const result = await database.transaction(async (trx): Promise<MaintainResult> => {
        // Serialises replicas that start together: exactly one of them creates the first key or successor.
        await sql`lock table signing_key in share row exclusive mode`.execute(trx);
        const now = clock.now();
        const keys = await loadKeys(trx);
        const outcome: MaintainResult = { pruned: [] };
        let activatesAt: number | undefined;
        if (needsFirstKey(keys, now)) {
          activatesAt = now;
          outcome.created = candidate.kid;
        } else if (rotateAfterMs > 0 && rotationDue(keys, now, rotateAfterMs)) {
          activatesAt = now + publishLeadMs;
          outcome.rotated = candidate.kid;
        }
        if (activatesAt !== undefined) {
          await trx
            .insertInto('signing_key')
            .values({
              kid: candidate.kid,
              algorithm: SIGNING_ALGORITHM,
              public_jwk: sql<string>`cast(${JSON.stringify(candidate.publicJwk)} as jsonb)`,
              private_jwk: sql<string>`cast(${JSON.stringify(candidate.privateJwk)} as jsonb)`,
              created_at: new Date(now),
              activates_at: new Date(activatesAt),
            })
            .execute();
        }
        const prunable = prunableKeys(keys, now, retentionMs).map((key) => key.kid);
        if (prunable.length > 0) {
          await trx.deleteFrom('signing_key').where('kid', 'in', prunable).execute();
          outcome.pruned = prunable;
        }
        return outcome;
      });
      cache = undefined;
      for (const kid of result.pruned) imported.delete(kid);
      return result;
    },

    rotate: () => insert(clock.now() + publishLeadMs),

    async active() {
      let key = activeKey(await rows(), clock.now());
      if (key === undefined) {
        // Another replica may have created the first key since this one last read the table.
        cache = undefined;
        key = activeKey(await rows(), clock.now());
      }
      if (key === undefined) throw new NoSigningKeyError();
      const row = key;
      let cryptoKey = imported.get(row.kid);
      if (cryptoKey === undefined) {
        cryptoKey = importJWK(row.privateJwk as JWK, SIGNING_ALGORITHM) as Promise<CryptoKey>;
        imported.set(row.kid, cryptoKey);
      }
      return { kid: row.kid, key: await cryptoKey };
    },

    async jwks() {
      return { keys: publishedKeys(await rows(), clock.now(), retentionMs).map(toPublicJwk) };
    },
  };
}
