import type { Selectable } from 'kysely';
import type { Database } from '@opsloop/store';
import { enqueue } from '@opsloop/outbox';
import type { ShopEventData } from '@opsloop/contracts';
import { isUuid, uuidv7 } from './ids.js';
import type { PasswordHasher } from './password.js';
import type { UsersTables } from './tables.js';

/** Longest email address (RFC 5321 path limit). */
export const MAX_EMAIL_LENGTH = 254;
/** Shortest password. */
export const MIN_PASSWORD_LENGTH = 10;
/** Longest password: bounds the work one sign-up or login can ask for. */
export const MAX_PASSWORD_LENGTH = 1024;
/** Longest display name. */
export const MAX_NAME_LENGTH = 100;
/** An `Idempotency-Key`: 1-255 printable ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** The stream `user.registered.v1` is published to. */
export const USERS_STREAM = 'users';

/** An account as the service shows it (never with its password hash). */
export interface UserAccount {
  userId: string;
  email: string;
  name: string;
  loyaltyPoints: number;
  createdAt: Date;
}

/** Input of {@link Users.register}. */
export interface RegisterInput {
  email: string;
  password: string;
  name: string;
  /** A sign-up retried with the same key and the same email and password answers the same account. */
  idempotencyKey?: string | undefined;
}

/** What {@link Users.register} did. */
export type RegisterResult =
  | { outcome: 'created'; user: UserAccount }
  /** The same `idempotencyKey` already created this account with this email and password. */
  | { outcome: 'replayed'; user: UserAccount }
  | { outcome: 'conflict'; reason: 'email-taken' | 'idempotency-key-reused' };

/** The users domain: accounts, sign-up (with its `user.registered.v1` event) and password checks. */
export interface Users {
  register(input: RegisterInput): Promise<RegisterResult>;
  /**
   * The account whose email and password these are, or undefined. Unknown email and wrong password cost the
   * same work (a decoy hash is verified), so the time of an answer does not tell which emails exist.
   */
  authenticate(email: string, password: string): Promise<UserAccount | undefined>;
  /** An account by id, or undefined (also for an id that is not a UUID). */
  get(userId: string): Promise<UserAccount | undefined>;
}

/** Raised for input callers should have validated (a programming error, not a result). */
export class InvalidUserInput extends RangeError {
  override readonly name = 'InvalidUserInput';
}

/** Options of {@link createUsers}. */
export interface UsersOptions {
  database: Database<UsersTables>;
  hasher: PasswordHasher;
  /** The current time in ms since the epoch (`Date.now` by default). */
  now?: () => number;
  /** Called after a transaction that enqueued an event committed (wakes the outbox relay). */
  onEnqueued?: () => void;
}

/** Trims and lower-cases an email: the form stored and compared. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

type UserRow = Selectable<UsersTables['users']>;

function toAccount(
  row: Pick<UserRow, 'id' | 'email' | 'name' | 'loyalty_points' | 'created_at'>,
): UserAccount {
  return {
    userId: row.id,
    email: row.email,
    name: row.name,
    loyaltyPoints: Number(row.loyalty_points),
    createdAt: row.created_at,
  };
}

function checkInput(input: RegisterInput): { email: string; name: string } {
  const email = normaliseEmail(input.email);
  if (email.length < 3 || email.length > MAX_EMAIL_LENGTH || !email.includes('@'))
    throw new InvalidUserInput('email must be an email address');
  const name = input.name.trim();
  if (name.length < 1 || name.length > MAX_NAME_LENGTH)
    throw new InvalidUserInput(`name must have 1 to ${MAX_NAME_LENGTH} characters`);
  if (input.password.length < MIN_PASSWORD_LENGTH || input.password.length > MAX_PASSWORD_LENGTH)
    throw new InvalidUserInput(
      `password must have ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`,
    );
  if (input.idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(input.idempotencyKey))
    throw new InvalidUserInput('idempotencyKey must be 1-255 printable ASCII characters');
  return { email, name };
}

/** Creates the users domain over the service's database. */
export function createUsers(options: UsersOptions): Users {
  const { database, hasher } = options;
  const now = options.now ?? Date.now;

  const byEmail = (email: string) =>
    database.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  const byKey = (key: string) =>
    database.db.selectFrom('users').selectAll().where('idempotency_key', '=', key).executeTakeFirst();

  /** A sign-up whose key was used before: the same account only for the same email and password. */
  async function replay(row: UserRow, email: string, password: string): Promise<RegisterResult> {
    if (row.email === email && (await hasher.verify(password, row.password_hash)))
      return { outcome: 'replayed', user: toAccount(row) };
    return { outcome: 'conflict', reason: 'idempotency-key-reused' };
  }

  return {
    async register(input) {
      const { email, name } = checkInput(input);
      const key = input.idempotencyKey;
      if (key !== undefined) {
        const earlier = await byKey(key);
        if (earlier !== undefined) return replay(earlier, email, input.password);
      }
      // Saves a hash for the common case; the unique index decides races.
      if ((await byEmail(email)) !== undefined) return { outcome: 'conflict', reason: 'email-taken' };

      const passwordHash = await hasher.hash(input.password);
      const at = new Date(now());
      const userId = uuidv7(at.getTime());
      const created = await database.transaction(async (trx) => {
        const inserted = await trx
          .insertInto('users')
          .values({
            id: userId,
            email,
            name,
            password_hash: passwordHash,
            loyalty_points: 0,
            idempotency_key: key ?? null,
            created_at: at,
            updated_at: at,
          })
          // Either unique index (email, idempotency key): a concurrent sign-up got there first.
          .onConflict((oc) => oc.doNothing())
          .returning(['id', 'email', 'name', 'loyalty_points', 'created_at'])
          .executeTakeFirst();
        if (inserted === undefined) return undefined;
        const data: ShopEventData<'user.registered.v1'> = { userId, email };
        await enqueue(trx, USERS_STREAM, {
          id: uuidv7(at.getTime()),
          type: 'user.registered.v1',
          key: userId,
          time: at.toISOString(),
          data,
        });
        return toAccount(inserted);
      });
      if (created !== undefined) {
        options.onEnqueued?.();
        return { outcome: 'created', user: created };
      }
      if (key !== undefined) {
        const concurrent = await byKey(key);
        if (concurrent !== undefined) return replay(concurrent, email, input.password);
      }
      return { outcome: 'conflict', reason: 'email-taken' };
    },

    async authenticate(emailInput, password) {
      const email = normaliseEmail(emailInput);
      const row =
        email.length > 0 && email.length <= MAX_EMAIL_LENGTH && password.length <= MAX_PASSWORD_LENGTH
          ? await byEmail(email)
          : undefined;
      if (row === undefined) {
        await hasher.verifyNothing(password.slice(0, MAX_PASSWORD_LENGTH));
        return undefined;
      }
      if (!(await hasher.verify(password, row.password_hash))) return undefined;
      if (hasher.needsRehash(row.password_hash)) {
        // The cost parameters were raised since this hash was made: upgrade it while the password is known.
        const upgraded = await hasher.hash(password);
        await database.db
          .updateTable('users')
          .set({ password_hash: upgraded, updated_at: new Date(now()) })
          .where('id', '=', row.id)
          .where('password_hash', '=', row.password_hash)
          .execute();
      }
      return toAccount(row);
    },

    async get(userId) {
      if (!isUuid(userId)) return undefined;
      const row = await database.db
        .selectFrom('users')
        .select(['id', 'email', 'name', 'loyalty_points', 'created_at'])
        .where('id', '=', userId.toLowerCase())
        .executeTakeFirst();
      return row === undefined ? undefined : toAccount(row);
    },
  };
}
