import {
  chmod,
  mkdir,
  mkdtemp,
  open,
  readFile,
  readdir,
  readlink,
  realpath,
  rename,
  rm,
  symlink,
} from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { errorCode, syncDirectory } from '../secrets/fs-util.js';

/** The user-visible file names of an identity directory. */
export const IDENTITY_FILES = { ca: 'ca.crt', cert: 'tls.crt', key: 'tls.key' } as const;
/** The symlink to the current generation; swapped atomically on every write. */
export const DATA_LINK = '..data';

const DATA_TMP = '..data_tmp';
const CERT_MODE = 0o644; // the 0700 directory is what keeps others out
const KEY_MODE = 0o600;
const READ_ATTEMPTS = 5;

/** The three PEM files a replica is given. */
export interface IdentityMaterial {
  /** PEM of the CA certificate, written to `ca.crt`. */
  caPem: string;
  /** PEM of the leaf certificate, written to `tls.crt`. */
  certPem: string;
  /** PEM PKCS#8 of the leaf's key, written to `tls.key`. */
  keyPem: string;
}

/**
 * Writes `material` into `dir` in the Kubernetes projected-volume layout (atomic_writer.go): the files go in
 * a fresh `..<timestamp>.<random>/` generation, `..data` is switched to it by renaming a new symlink over
 * it, and `ca.crt`, `tls.crt`, `tls.key` are symlinks to `..data/<name>`. A reader of any one name sees the
 * old or the new file, never a missing or partial one; see {@link readIdentityDir} for reading all three
 * from one generation. Older generations are removed afterwards. One writer per directory at a time.
 */
export async function writeIdentityDir(dir: string, material: IdentityMaterial): Promise<void> {
  const root = resolve(dir);
  await makePrivateDir(root);
  const generation = await mkdtemp(join(root, `..${stamp()}.`));
  try {
    // No reader can see the generation before ..data names it: plain writes, made durable before the swap.
    await writeNewFile(join(generation, IDENTITY_FILES.ca), material.caPem, CERT_MODE);
    await writeNewFile(join(generation, IDENTITY_FILES.cert), material.certPem, CERT_MODE);
    await writeNewFile(join(generation, IDENTITY_FILES.key), material.keyPem, KEY_MODE);
    await syncDirectory(generation);
    const temporary = join(root, DATA_TMP);
    await rm(temporary, { force: true }); // left over by a crash between symlink and rename
    await symlink(basename(generation), temporary);
    await rename(temporary, join(root, DATA_LINK));
  } catch (error) {
    await rm(generation, { recursive: true, force: true });
    throw error;
  }
  await syncDirectory(root);
  let linked = false;
  for (const name of Object.values(IDENTITY_FILES)) linked = (await ensureLink(root, name)) || linked;
  if (linked) await syncDirectory(root);
  await removeOtherGenerations(root, basename(generation));
}

/**
 * Reads the three files of one generation: resolves `..data` once and reads from the directory it names, so
 * the certificate and key always belong together. A swap may remove that generation between the two steps;
 * the read then starts over (a few times).
 */
export async function readIdentityDir(dir: string): Promise<IdentityMaterial> {
  for (let attempt = 1; ; attempt++) {
    try {
      const generation = await realpath(join(dir, DATA_LINK));
      const read = (name: string) => readFile(join(generation, name), 'utf8');
      const [caPem, certPem, keyPem] = await Promise.all([
        read(IDENTITY_FILES.ca),
        read(IDENTITY_FILES.cert),
        read(IDENTITY_FILES.key),
      ]);
      return { caPem, certPem, keyPem };
    } catch (error) {
      if (errorCode(error) !== 'ENOENT' || attempt >= READ_ATTEMPTS) throw error;
    }
  }
}

/** Deletes an identity directory (call when the replica stops, so its key does not linger). */
export async function removeIdentityDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

async function writeNewFile(path: string, content: string, mode: number): Promise<void> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.chmod(mode); // open()'s mode is reduced by the umask
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes `name` a symlink to `..data/<name>` unless it already is one; returns whether it changed anything. */
async function ensureLink(root: string, name: string): Promise<boolean> {
  const target = `${DATA_LINK}/${name}`;
  const path = join(root, name);
  const current = await readlink(path).catch((error: unknown) => {
    // EINVAL: something that is not a symlink holds the name; it is replaced below.
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'EINVAL') return undefined;
    throw error;
  });
  if (current === target) return false;
  const temporary = join(root, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  await symlink(target, temporary);
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return true;
}

/** Removes every generation but `keep`: the one just replaced, and any a crash left behind. */
async function removeOtherGenerations(root: string, keep: string): Promise<void> {
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name.startsWith('..') && entry.name !== keep) {
      await rm(join(root, entry.name), { recursive: true, force: true });
    }
  }
}

async function makePrivateDir(path: string): Promise<void> {
  const first = await mkdir(path, { recursive: true, mode: 0o700 });
  // mkdir's mode is reduced by the umask, and a directory made earlier may be wider: the key depends on it.
  await chmod(path, 0o700);
  if (first !== undefined) {
    for (let current = path; ; current = dirname(current)) {
      await chmod(current, 0o700);
      if (current === first || dirname(current) === current) break;
    }
  }
}

/** `2026_01_31_23_59_59`, as the Kubernetes writer names generations; only for people listing the directory. */
function stamp(): string {
  return new Date().toISOString().slice(0, 19).replace(/[-T:]/g, '_');
}
