import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';

/**
 * What a token may do, least privilege first: `discovery` (replicas: read endpoints), `viewer` (read
 * everything but secrets and the audit log), `operator` (also scale, roll out, set flags, restart), `admin`
 * (also apply specs, secrets, tokens, shutdown). Replicas only ever get `discovery`.
 */
export type Role = 'admin' | 'operator' | 'viewer' | 'discovery';

/** The roles a user can mint tokens for (`discovery` belongs to replicas only). */
export const USER_ROLES = ['viewer', 'operator', 'admin'] as const;

/** A user role. */
export type UserRole = (typeof USER_ROLES)[number];

/** Who presented a token: its name (for the audit log) and role. */
export interface TokenIdentity {
  name: string;
  role: Role;
}

/** A token as listed by the API: never the token itself. */
export interface TokenInfo extends TokenIdentity {
  createdAt: string;
  expiresAt: string | null;
  /** True for tokens kept across restarts (`tokens.json`); false for the ones made for this run. */
  persistent: boolean;
}

/** Raised for a token name that is taken or malformed. */
export class TokenError extends Error {
  override readonly name = 'TokenError';
}

/** A fresh random bearer token (256 bits). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

const hashOf = (token: string) => createHash('sha256').update(token).digest();

const TOKEN_NAME = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/;

interface Entry extends TokenInfo {
  /** SHA-256 of the token: the store (and its file) never holds a usable token. */
  hash: Buffer;
}

const tokenFileSchema = z.object({
  version: z.literal(1),
  tokens: z.array(
    z.object({
      name: z.string().regex(TOKEN_NAME),
      role: z.enum(USER_ROLES),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      createdAt: z.string(),
      expiresAt: z.string().nullable(),
    }),
  ),
});

/**
 * Maps presented bearer tokens to named identities. Tokens are kept as SHA-256 hashes and compared in
 * constant time per entry; persistent ones (made through the API) live in a 0600 file next to the state.
 */
export class TokenStore {
  readonly #entries: Entry[] = [];
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** Adds a token for this run only (the runtime's own admin, discovery and bus tokens). */
  add(token: string, role: Role, name: string = role): void {
    this.#entries.push({
      name,
      role,
      hash: hashOf(token),
      createdAt: new Date(this.#now()).toISOString(),
      expiresAt: null,
      persistent: false,
    });
  }

  /**
   * Makes a new persistent token for a user role; returns it (shown once, never stored). Names are unique.
   */
  create(name: string, role: UserRole, ttlSeconds?: number): { token: string; info: TokenInfo } {
    if (!TOKEN_NAME.test(name))
      throw new TokenError(
        `token name "${name}" is not valid: use 1–63 lowercase letters, digits, "-" or ".", starting and ending with a letter or digit`,
      );
    if (this.#entries.some((entry) => entry.name === name))
      throw new TokenError(`a token named "${name}" exists; revoke it first or pick another name`);
    const token = newToken();
    const now = this.#now();
    const entry: Entry = {
      name,
      role,
      hash: hashOf(token),
      createdAt: new Date(now).toISOString(),
      expiresAt: ttlSeconds === undefined ? null : new Date(now + ttlSeconds * 1000).toISOString(),
      persistent: true,
    };
    this.#entries.push(entry);
    return { token, info: infoOf(entry) };
  }

  /** Removes a persistent token; false when there is none of that name. */
  revoke(name: string): boolean {
    const index = this.#entries.findIndex((entry) => entry.persistent && entry.name === name);
    if (index < 0) return false;
    this.#entries.splice(index, 1);
    return true;
  }

  /** Every token's name, role and dates (never a token or its hash). */
  list(): TokenInfo[] {
    return this.#entries.map(infoOf);
  }

  /** The identity of `authorization` (`Bearer <token>`), or undefined (unknown, malformed or expired). */
  identify(authorization: string | undefined): TokenIdentity | undefined {
    const match = /^Bearer ([A-Za-z0-9_-]{16,256})$/.exec(authorization ?? '');
    if (!match?.[1]) return undefined;
    const presented = hashOf(match[1]);
    const now = this.#now();
    let found: Entry | undefined;
    // Every entry is compared, so the time taken does not tell which one matched.
    for (const entry of this.#entries) {
      if (timingSafeEqual(entry.hash, presented)) found = entry;
    }
    if (found === undefined) return undefined;
    if (found.expiresAt !== null && Date.parse(found.expiresAt) <= now) return undefined;
    return { name: found.name, role: found.role };
  }

  /** The role of `authorization`, or undefined. */
  roleOf(authorization: string | undefined): Role | undefined {
    return this.identify(authorization)?.role;
  }

  /** Loads the persistent tokens of `file` (none when it does not exist); a corrupt file is an error. */
  async load(file: string): Promise<void> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let parsed;
    try {
      parsed = tokenFileSchema.parse(JSON.parse(text));
    } catch {
      throw new TokenError(`${file} is not a valid token file; remove it to start without API tokens`);
    }
    for (const token of parsed.tokens) {
      if (this.#entries.some((entry) => entry.name === token.name)) continue;
      this.#entries.push({
        name: token.name,
        role: token.role,
        hash: Buffer.from(token.sha256, 'hex'),
        createdAt: token.createdAt,
        expiresAt: token.expiresAt,
        persistent: true,
      });
    }
  }

  /** Writes the persistent tokens to `file` (0600, atomically). */
  async save(file: string): Promise<void> {
    const tokens = this.#entries
      .filter((entry) => entry.persistent)
      .map((entry) => ({
        name: entry.name,
        role: entry.role as UserRole,
        sha256: entry.hash.toString('hex'),
        createdAt: entry.createdAt,
        expiresAt: entry.expiresAt,
      }));
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify({ version: 1, tokens }, null, 2)}\n`, { mode: 0o600 });
    await rename(temp, file);
  }
}

function infoOf(entry: Entry): TokenInfo {
  return {
    name: entry.name,
    role: entry.role,
    createdAt: entry.createdAt,
    expiresAt: entry.expiresAt,
    persistent: entry.persistent,
  };
}
