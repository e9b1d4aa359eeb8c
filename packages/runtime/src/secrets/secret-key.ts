import { hkdfSync, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { inspect } from 'node:util';
import { SecretKeyError } from './errors.js';
import { errorCode, syncDirectory } from './fs-util.js';

/** Length of the user's key: AES-256 wants 32 bytes. */
export const SECRET_KEY_BYTES = 32;

/** Environment variable naming the key file, overriding the default location. */
export const SECRETS_KEY_FILE_ENV = 'OPSLOOP_SECRETS_KEY_FILE';

/** Where to look for the key; injectable so tests never touch the real home directory. */
export interface SecretKeyPathOptions {
  /** Defaults to `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Defaults to `os.homedir()`. */
  homeDir?: string;
}

/**
 * The key file's path: `$OPSLOOP_SECRETS_KEY_FILE`, else `$XDG_CONFIG_HOME/opsloop/secrets.key`, else
 * `~/.config/opsloop/secrets.key`. Outside any repository on purpose: the key must never be committed
 * next to the store it opens.
 */
export function defaultSecretKeyPath(options: SecretKeyPathOptions = {}): string {
  const env = options.env ?? process.env;
  const explicit = env[SECRETS_KEY_FILE_ENV];
  if (explicit !== undefined && explicit !== '') return resolve(explicit);
  const xdg = env.XDG_CONFIG_HOME;
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const base = xdg !== undefined && isAbsolute(xdg) ? xdg : join(options.homeDir ?? homedir(), '.config');
  return join(base, 'opsloop', 'secrets.key');
}

/** A short, stable, non-secret fingerprint of key material (HKDF, so it reveals nothing usable). */
export function secretKeyId(material: Uint8Array): string {
  return Buffer.from(hkdfSync('sha256', material, '', 'opsloop/secrets/key-id/v1', 8)).toString('hex');
}

/**
 * The user's 32-byte key. Printing it (`console.log`, `JSON.stringify`, template strings) shows only its
 * id, so a stray log line cannot leak it.
 */
export class SecretKey {
  /** Fingerprint stored in the store file to tell "wrong key" from "tampered". */
  readonly id: string;
  readonly #material: Buffer;

  constructor(material: Uint8Array) {
    if (material.length !== SECRET_KEY_BYTES) {
      throw new SecretKeyError(
        '(in memory)',
        'invalid',
        `expected a ${SECRET_KEY_BYTES}-byte key, got ${material.length}`,
      );
    }
    this.#material = Buffer.from(material);
    this.id = secretKeyId(this.#material);
  }

  /** A fresh random key. */
  static generate(): SecretKey {
    return new SecretKey(randomBytes(SECRET_KEY_BYTES));
  }

  /** The raw key material. Never log it; the store derives its cipher key from it. */
  bytes(): Buffer {
    return this.#material;
  }

  /** Only the id. */
  toJSON(): { id: string } {
    return { id: this.id };
  }

  /** Only the id. */
  toString(): string {
    return `SecretKey(${this.id})`;
  }

  /** Only the id, for `console.log` and `util.inspect`. */
  [inspect.custom](): string {
    return this.toString();
  }
}

/** Options of {@link loadSecretKey}. */
export interface LoadSecretKeyOptions extends SecretKeyPathOptions {
  /** The key file; defaults to {@link defaultSecretKeyPath}. */
  path?: string;
  /** Create a new random key if the file does not exist (default true). */
  create?: boolean;
}

/** A key and where it came from. */
export interface LoadedSecretKey {
  key: SecretKey;
  path: string;
  /** True if this call created the key file. */
  created: boolean;
}

/**
 * Reads the user's key, creating it on first use (32 random bytes, mode 0600, in a 0700 directory).
 * Like ssh, refuses a key file that group or others can read or write, or that another user owns.
 * Accepts raw 32 bytes, or 64 hex digits / base64 text (for keys kept in a password manager).
 */
export async function loadSecretKey(options: LoadSecretKeyOptions = {}): Promise<LoadedSecretKey> {
  const path = resolve(options.path ?? defaultSecretKeyPath(options));
  try {
    return { key: await readSecretKeyFile(path), path, created: false };
  } catch (error) {
    if (!(error instanceof SecretKeyError && error.problem === 'missing') || options.create === false)
      throw error;
  }
  const key = SecretKey.generate();
  try {
    await writeSecretKeyFile(path, key);
  } catch (error) {
    // Another process created it between our read and our write: use theirs.
    if (error instanceof SecretKeyError && error.problem === 'exists')
      return { key: await readSecretKeyFile(path), path, created: false };
    throw error;
  }
  return { key, path, created: true };
}

/** Reads and checks an existing key file; throws {@link SecretKeyError} with the fix in the message. */
export async function readSecretKeyFile(path: string): Promise<SecretKey> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') throw new SecretKeyError(path, 'missing', `no key file at ${path}`);
    throw new SecretKeyError(
      path,
      'io',
      `cannot read key file ${path}: ${errorCode(error) ?? String(error)}`,
    );
  }
  if (!info.isFile()) throw new SecretKeyError(path, 'invalid', `key file ${path} is not a regular file`);
  if ((info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
    throw new SecretKeyError(
      path,
      'permissions',
      `key file ${path} is accessible by group or others (mode ${mode}); it must be private to you: ` +
        `run \`chmod 600 ${path}\``,
    );
  }
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    throw new SecretKeyError(
      path,
      'owner',
      `key file ${path} is owned by uid ${info.uid}, not by you (uid ${uid}); run \`chown ${uid} ${path}\``,
    );
  }
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch (error) {
    throw new SecretKeyError(
      path,
      'io',
      `cannot read key file ${path}: ${errorCode(error) ?? String(error)}`,
    );
  }
  return new SecretKey(decodeKeyMaterial(path, content));
}

function decodeKeyMaterial(path: string, content: Buffer): Buffer {
  if (content.length === SECRET_KEY_BYTES) return content;
  const text = content.toString('latin1').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length === SECRET_KEY_BYTES) return bytes;
  }
  throw new SecretKeyError(
    path,
    'invalid',
    `key file ${path} does not hold a ${SECRET_KEY_BYTES}-byte key (raw, 64 hex digits or base64)`,
  );
}

/**
 * Writes `key` to a new file at `path` (mode 0600; a missing directory is created with mode 0700). Never
 * overwrites: an existing file raises {@link SecretKeyError}, because replacing a key makes every store it
 * encrypted unreadable.
 */
export async function writeSecretKeyFile(path: string, key: SecretKey): Promise<void> {
  const dir = dirname(path);
  // Write a temp file, then link() it into place: atomic and exclusive, so a concurrent reader never sees
  // a half-written key and two creators never overwrite each other.
  const temporary = join(dir, `.secrets.key.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const firstCreated = await mkdir(dir, { recursive: true, mode: 0o700 });
    // mkdir's mode is reduced by the umask; make the directory we made exactly 0700.
    if (firstCreated !== undefined) await chmod(dir, 0o700);
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.chmod(0o600);
      await handle.writeFile(key.bytes());
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temporary, path);
  } catch (error) {
    if (errorCode(error) === 'EEXIST')
      throw new SecretKeyError(path, 'exists', `key file already exists: ${path}`);
    const reason = errorCode(error) ?? String(error);
    throw new SecretKeyError(path, 'io', `cannot create key file ${path}: ${reason}`);
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  await syncDirectory(dir);
}
