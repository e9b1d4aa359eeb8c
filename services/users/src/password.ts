import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt cost parameters, stored with every hash so that they can be raised without breaking old ones. */
export interface ScryptParams {
  /** log2 of N, the CPU/memory cost. */
  logN: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
}

/**
 * The default cost: N = 2^15, r = 8, p = 1 (32 MiB, tens of milliseconds per hash), the RFC 7914 interactive
 * setting scaled to current hardware.
 */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ logN: 15, r: 8, p: 1 });

/** Bounds of the parameters this service accepts, from configuration or from a stored hash. */
export const SCRYPT_BOUNDS = Object.freeze({ logN: [10, 20], r: [1, 32], p: [1, 16] } as const);

const SALT_BYTES = 16;
const HASH_BYTES = 32;
const PREFIX = 'scrypt';

/** Hashes and verifies passwords (scrypt from node:crypto, a random salt per hash, constant-time compare). */
export interface PasswordHasher {
  /** `scrypt$ln=15,r=8,p=1$<salt base64url>$<hash base64url>`. */
  hash(password: string): Promise<string>;
  /** Whether `password` matches `encoded`; false (never a throw) for a malformed or foreign hash. */
  verify(password: string, encoded: string): Promise<boolean>;
  /**
   * Does the work of one {@link verify} against a hash that nothing matches, so that "no such account" costs
   * the same time as "wrong password" and login answers do not reveal which emails exist.
   */
  verifyNothing(password: string): Promise<false>;
  /** Whether `encoded` was made with other parameters than the current ones (re-hash it after a login). */
  needsRehash(encoded: string): boolean;
}

function inBounds(params: ScryptParams): boolean {
  const within = (value: number, [min, max]: readonly [number, number]) =>
    Number.isInteger(value) && value >= min && value <= max;
  return (
    within(params.logN, SCRYPT_BOUNDS.logN) &&
    within(params.r, SCRYPT_BOUNDS.r) &&
    within(params.p, SCRYPT_BOUNDS.p)
  );
}

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.logN;
  const options: ScryptOptions = {
    N,
    r: params.r,
    p: params.p,
    // scrypt needs 128 · N · r bytes (plus p blocks); the default cap of 32 MiB would refuse N = 2^15, r = 8.
    maxmem: 256 * N * params.r + 128 * params.r * params.p + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, HASH_BYTES, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

interface Decoded {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

const ENCODED =
  /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]{16,64})\$([A-Za-z0-9_-]{16,128})$/;

function decode(encoded: string): Decoded | undefined {
  const match = ENCODED.exec(encoded);
  if (match === null) return undefined;
  const [, logN, r, p, salt, hash] = match;
  const params = { logN: Number(logN), r: Number(r), p: Number(p) };
  if (!inBounds(params) || salt === undefined || hash === undefined) return undefined;
  return { params, salt: Buffer.from(salt, 'base64url'), hash: Buffer.from(hash, 'base64url') };
}

function encode(params: ScryptParams, salt: Buffer, hash: Buffer): string {
  return `${PREFIX}$ln=${params.logN},r=${params.r},p=${params.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** Creates a {@link PasswordHasher} with `params` for new hashes (throws a RangeError when out of bounds). */
export function createPasswordHasher(params: ScryptParams = DEFAULT_SCRYPT_PARAMS): PasswordHasher {
  if (!inBounds(params)) throw new RangeError(`scrypt parameters out of bounds: ${JSON.stringify(params)}`);
  const current = { ...params };
  let decoy: Promise<Decoded> | undefined;

  async function verifyDecoded(password: string, decoded: Decoded): Promise<boolean> {
    const actual = await derive(password, decoded.salt, decoded.params);
    return actual.length === decoded.hash.length && timingSafeEqual(actual, decoded.hash);
  }

  return {
    async hash(password) {
      const salt = randomBytes(SALT_BYTES);
      return encode(current, salt, await derive(password, salt, current));
    },
    async verify(password, encoded) {
      const decoded = decode(encoded);
      if (decoded === undefined) return false;
      return verifyDecoded(password, decoded);
    },
    async verifyNothing(password) {
      // A hash of random bytes under the current parameters, made once: the same work as a real account's.
      decoy ??= (async () => {
        const salt = randomBytes(SALT_BYTES);
        return { params: current, salt, hash: await derive(randomBytes(32).toString('hex'), salt, current) };
      })();
      await verifyDecoded(password, await decoy);
      return false;
    },
    needsRehash(encoded) {
      const decoded = decode(encoded);
      return (
        decoded === undefined ||
        decoded.params.logN !== current.logN ||
        decoded.params.r !== current.r ||
        decoded.params.p !== current.p
      );
    },
  };
}
