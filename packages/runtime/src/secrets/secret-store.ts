import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { inspect } from 'node:util';
import { z } from 'zod';
import { SecretDecryptError, SecretInputError, SecretStoreError } from './errors.js';
import { errorCode, writeFileAtomic, type RenameFn } from './fs-util.js';
import { assertDataKey, assertResourceName, resourceNameSchema } from './names.js';
import type { SecretKey } from './secret-key.js';

/** Format version of the store file. */
export const SECRET_STORE_VERSION = 1;

/** Largest secret (all its keys and values, as JSON), as in Kubernetes. */
export const MAX_SECRET_BYTES = 1024 * 1024;

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');

const entrySchema = z.strictObject({
  nonce: base64,
  ciphertext: base64,
  tag: base64,
  updatedAt: z.string(),
  revision: z.number().int().min(1),
});

const storeFileSchema = z.strictObject({
  version: z.literal(SECRET_STORE_VERSION),
  /** Fingerprint of the key that encrypted every entry. */
  keyId: z.string(),
  /** Store-wide counter; each write of a secret takes the next value (like Kubernetes' resourceVersion). */
  revision: z.number().int().min(0),
  entries: z.record(resourceNameSchema, entrySchema),
});

type StoreDocument = z.infer<typeof storeFileSchema>;
type Entry = z.infer<typeof entrySchema>;

/** What status and the API may show about a secret: never its keys' values. */
export interface SecretMetadata {
  name: string;
  /** Changes on every write of this secret; the runtime restarts replicas that used an older revision. */
  revision: number;
  /** ISO 8601. */
  updatedAt: string;
}

/** A secret's data: key → value, like a Kubernetes Secret's `stringData`. */
export type SecretData = Readonly<Record<string, string>>;

/** The store file's path in a runtime state directory (`.opsloop/` next to the spec, git-ignored). */
export function defaultSecretStorePath(stateDir: string): string {
  return join(stateDir, 'secrets.enc.json');
}

/** Options of {@link openSecretStore}. */
export interface OpenSecretStoreOptions {
  /** The store file; created on the first write. */
  file: string;
  key: SecretKey;
  /** Clock for `updatedAt`; defaults to the system clock. */
  now?: () => Date;
  /** Replaceable in tests to simulate a crash before the new file is renamed into place. */
  rename?: RenameFn;
}

/**
 * Opens an encrypted store. A missing file is an empty store. A file written with another key raises
 * {@link SecretDecryptError} now rather than on the first read.
 */
export async function openSecretStore(options: OpenSecretStoreOptions): Promise<SecretStore> {
  const document = (await readStoreDocument(options.file)) ?? emptyDocument(options.key.id);
  checkKeyId(options.file, document, options.key.id);
  return new SecretStore(options, document);
}

/** The id of the key a store file was written with (no key needed), or undefined if there is no file. */
export async function readStoreKeyId(file: string): Promise<string | undefined> {
  return (await readStoreDocument(file))?.keyId;
}

/**
 * Secrets encrypted at rest in one JSON file: `{version, keyId, revision, entries: {name: {nonce,
 * ciphertext, tag, updatedAt, revision}}}`. Each entry is one Kubernetes-style secret (a map of keys to
 * values) sealed with AES-256-GCM under a fresh nonce; the entry's name, revision and updatedAt are the
 * associated data, so entries cannot be swapped, renamed or rolled to another revision unnoticed. Every
 * write replaces the file atomically. Values are decrypted on demand and never kept in this object.
 */
export class SecretStore {
  /** The store file. */
  readonly file: string;
  #cipherKey: Buffer;
  #keyId: string;
  #document: StoreDocument;
  readonly #now: () => Date;
  readonly #rename: RenameFn | undefined;
  // Writes run one at a time, each on the file's latest content.
  #queue: Promise<unknown> = Promise.resolve();

  /** Use {@link openSecretStore}. */
  constructor(options: OpenSecretStoreOptions, document: StoreDocument) {
    this.file = options.file;
    this.#cipherKey = deriveCipherKey(options.key);
    this.#keyId = options.key.id;
    this.#document = document;
    this.#now = options.now ?? (() => new Date());
    this.#rename = options.rename;
  }

  /** Fingerprint of the key the store is encrypted with. */
  get keyId(): string {
    return this.#keyId;
  }

  /** Secret names, sorted. Never values. */
  names(): string[] {
    return Object.keys(this.#document.entries).sort();
  }

  /** Name, revision and update time of every secret, sorted by name: safe for status and the API. */
  metadata(): SecretMetadata[] {
    return this.names().map((name) => this.#metadataOf(name, this.#document.entries[name]!));
  }

  /** One secret's metadata, or undefined if there is no such secret. */
  metadataOf(name: string): SecretMetadata | undefined {
    const entry = this.#document.entries[name];
    return entry === undefined ? undefined : this.#metadataOf(name, entry);
  }

  /** Decrypts a secret's data; undefined if there is no such secret. */
  get(name: string): SecretData | undefined {
    const entry = this.#document.entries[name];
    return entry === undefined ? undefined : this.#decrypt(name, entry);
  }

  /** One key of a secret; undefined if the secret or the key is missing. */
  getKey(name: string, key: string): string | undefined {
    const data = this.get(name);
    return data !== undefined && Object.hasOwn(data, key) ? data[key] : undefined;
  }

  /** Replaces a secret's data (all its keys); returns its new metadata. */
  async set(name: string, data: Readonly<Record<string, string>>): Promise<SecretMetadata> {
    assertResourceName(name);
    const clean = checkData(name, data);
    return this.#mutate((document) => this.#withEntry(document, name, clean));
  }

  /** Sets one key of a secret, creating the secret if needed; returns its new metadata. */
  async setKey(name: string, key: string, value: string): Promise<SecretMetadata> {
    assertResourceName(name);
    assertDataKey(key, name);
    return this.#mutate((document) => {
      const entry = document.entries[name];
      const current = entry === undefined ? {} : this.#decrypt(name, entry);
      return this.#withEntry(document, name, checkData(name, { ...current, [key]: value }));
    });
  }

  /** Deletes a secret; false if there was none. */
  async delete(name: string): Promise<boolean> {
    let existed = false;
    await this.#mutate((document) => {
      existed = Object.hasOwn(document.entries, name);
      if (!existed) return { document: undefined, result: undefined };
      const entries = { ...document.entries };
      delete entries[name];
      return { document: { ...document, entries }, result: undefined };
    });
    return existed;
  }

  /**
   * Re-encrypts every secret with `newKey` and replaces the file atomically: a crash leaves either the old
   * file (old key opens it) or the new one (new key opens it). Revisions do not change: values did not.
   */
  async rotateKey(newKey: SecretKey): Promise<void> {
    const newCipherKey = deriveCipherKey(newKey);
    await this.#mutate((document) => {
      const entries: Record<string, Entry> = {};
      for (const [name, entry] of Object.entries(document.entries)) {
        const data = this.#decrypt(name, entry);
        entries[name] = seal(newCipherKey, name, entry.revision, entry.updatedAt, data);
      }
      return { document: { ...document, keyId: newKey.id, entries }, result: undefined };
    });
    this.#cipherKey = newCipherKey;
    this.#keyId = newKey.id;
  }

  /** Re-reads the file (after another process, such as the CLI, changed it). */
  async reload(): Promise<void> {
    await this.#enqueue(async () => {
      const document = (await readStoreDocument(this.file)) ?? emptyDocument(this.#keyId);
      checkKeyId(this.file, document, this.#keyId);
      this.#document = document;
    });
  }

  /** Decrypts every entry; throws {@link SecretDecryptError} naming the first one that fails. */
  verify(): void {
    for (const [name, entry] of Object.entries(this.#document.entries)) this.#decrypt(name, entry);
  }

  /** Metadata only, so a logged store shows no values. */
  toJSON(): { file: string; keyId: string; secrets: SecretMetadata[] } {
    return { file: this.file, keyId: this.#keyId, secrets: this.metadata() };
  }

  /** Metadata only. */
  [inspect.custom](): string {
    return `SecretStore { file: ${JSON.stringify(this.file)}, secrets: [${this.names().join(', ')}] }`;
  }

  #metadataOf(name: string, entry: Entry): SecretMetadata {
    return { name, revision: entry.revision, updatedAt: entry.updatedAt };
  }

  #withEntry(
    document: StoreDocument,
    name: string,
    data: Record<string, string>,
  ): { document: StoreDocument; result: SecretMetadata } {
    const revision = document.revision + 1;
    const updatedAt = this.#now().toISOString();
    const entry = seal(this.#cipherKey, name, revision, updatedAt, data);
    return {
      document: { ...document, revision, entries: { ...document.entries, [name]: entry } },
      result: { name, revision, updatedAt },
    };
  }

  #decrypt(name: string, entry: Entry): Record<string, string> {
    return open(this.file, this.#cipherKey, name, entry);
  }

  /** Runs `change` on the file's latest content and writes the result, one change at a time. */
  async #mutate<T>(
    change: (document: StoreDocument) => { document: StoreDocument | undefined; result: T },
  ): Promise<T> {
    return this.#enqueue(async () => {
      // Re-read first: the CLI may have changed the file since we loaded it.
      const latest = (await readStoreDocument(this.file)) ?? emptyDocument(this.#keyId);
      checkKeyId(this.file, latest, this.#keyId);
      const { document, result } = change(latest);
      if (document !== undefined) {
        try {
          await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
          await writeFileAtomic(this.file, `${JSON.stringify(document, null, 2)}\n`, {
            mode: 0o600,
            ...(this.#rename ? { rename: this.#rename } : {}),
          });
        } catch (error) {
          throw new SecretStoreError(
            this.file,
            `cannot write ${this.file}: ${errorCode(error) ?? String(error)}; the previous file is unchanged`,
          );
        }
        this.#document = document;
      } else {
        this.#document = latest;
      }
      return result;
    });
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function emptyDocument(keyId: string): StoreDocument {
  return { version: SECRET_STORE_VERSION, keyId, revision: 0, entries: {} };
}

function checkKeyId(file: string, document: StoreDocument, keyId: string): void {
  if (document.keyId !== keyId) {
    throw new SecretDecryptError(
      file,
      undefined,
      `the file was written with key ${document.keyId}, this is key ${keyId}`,
    );
  }
}

async function readStoreDocument(file: string): Promise<StoreDocument | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw new SecretStoreError(file, `cannot read ${file}: ${errorCode(error) ?? String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SecretStoreError(file, `${file} is not a secrets store: invalid JSON`);
  }
  const parsed = storeFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.map(String).join('.') || '(top)'}: ${issue.message}`,
    );
    throw new SecretStoreError(file, `${file} is not a secrets store: ${problems.join('; ')}`);
  }
  return parsed.data;
}

function deriveCipherKey(key: SecretKey): Buffer {
  // Domain separation: the user's key is never used directly as an AES key.
  return Buffer.from(hkdfSync('sha256', key.bytes(), '', 'opsloop/secrets/aes-256-gcm/v1', 32));
}

function associatedData(name: string, revision: number, updatedAt: string): Buffer {
  return Buffer.from(JSON.stringify(['opsloop-secret/v1', name, revision, updatedAt]), 'utf8');
}

function seal(
  cipherKey: Buffer,
  name: string,
  revision: number,
  updatedAt: string,
  data: Readonly<Record<string, string>>,
): Entry {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', cipherKey, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(name, revision, updatedAt));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(data), 'utf8'), cipher.final()]);
  return {
    nonce: nonce.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    updatedAt,
    revision,
  };
}

function open(file: string, cipherKey: Buffer, name: string, entry: Entry): Record<string, string> {
  // Any failure here (bad nonce length, bad tag, bad JSON) is reported the same way: the crypto library's
  // own messages say nothing useful and stack traces of its internals help no one.
  try {
    const nonce = Buffer.from(entry.nonce, 'base64');
    const tag = Buffer.from(entry.tag, 'base64');
    if (nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES) throw new Error('bad sizes');
    const decipher = createDecipheriv('aes-256-gcm', cipherKey, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(name, entry.revision, entry.updatedAt));
    decipher.setAuthTag(tag);
    const plaintext = Buffer.concat([
      decipher.update(Buffer.from(entry.ciphertext, 'base64')),
      decipher.final(),
    ]);
    const data: unknown = JSON.parse(plaintext.toString('utf8'));
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('not a map');
    const result: Record<string, string> = {};
    for (const [key, value] of Object.entries(data)) {
      if (typeof value !== 'string') throw new Error('not a string');
      result[key] = value;
    }
    return result;
  } catch {
    throw new SecretDecryptError(file, name);
  }
}

/** Validates a secret's data without ever echoing a value into the error. */
function checkData(name: string, data: unknown): Record<string, string> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new SecretInputError('value', `secret "${name}": expected a map of keys to string values`);
  }
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    assertDataKey(key, name);
    if (typeof value !== 'string') {
      throw new SecretInputError('value', `secret "${name}": key "${key}": expected a string value`);
    }
    clean[key] = value;
  }
  const size = Buffer.byteLength(JSON.stringify(clean), 'utf8');
  if (size > MAX_SECRET_BYTES) {
    throw new SecretInputError(
      'value',
      `secret "${name}": ${size} bytes, at most ${MAX_SECRET_BYTES} allowed`,
    );
  }
  return clean;
}
