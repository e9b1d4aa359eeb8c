import type { ColumnType } from 'kysely';
import type { OutboxTables } from '@opsloop/outbox';

/** A timestamp column written and read as a `Date`. */
type Timestamp = ColumnType<Date, Date, Date>;

/** A jsonb column: written as JSON text (`cast(… as jsonb)`), read back parsed. */
type Json<T> = ColumnType<T, string, string>;

/** A public or private key in JWK form, as jose exports it. */
export interface StoredJwk {
  kty: string;
  crv?: string;
  x?: string;
  d?: string;
  [member: string]: unknown;
}

/** The users service's Kysely table map (see `migrations.ts` for the DDL and its constraints). */
export interface UsersTables extends OutboxTables {
  /** One account. */
  users: {
    /** UUIDv7, the `sub` of the user's tokens. */
    id: string;
    /** Trimmed and lower-cased; unique. */
    email: string;
    name: string;
    /** `scrypt$ln=…,r=…,p=…$<salt>$<hash>` (see `password.ts`); never logged, never returned. */
    password_hash: string;
    /** Grows by floor(total / 100) for every `order.placed.v1` (`bigint`, read back as a number). */
    loyalty_points: number;
    /** The `Idempotency-Key` of the sign-up that created the account, if it had one (unique). */
    idempotency_key: string | null;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  /**
   * The access-token signing keys (Ed25519). The key with the latest `activates_at` not in the future signs;
   * a key whose `activates_at` is still ahead is already published in the JWKS, and an older key stays
   * published until its last token has expired (see `key-ring.ts`).
   */
  signing_key: {
    /** The JWS `kid`. */
    kid: string;
    /** `EdDSA`. */
    algorithm: string;
    public_jwk: Json<StoredJwk>;
    /** The private key; it never leaves this table except to sign in this process. */
    private_jwk: Json<StoredJwk>;
    created_at: Timestamp;
    activates_at: Timestamp;
  };
}
