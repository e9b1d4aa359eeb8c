import { fork, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createDirectorySnapshot } from '../src/backup/adapters/directory-snapshot.js';
import { describeDataBackupContract, type ContractStore } from './backup-contract.js';

const WRITER = fileURLToPath(new URL('./pglite-writer.mjs', import.meta.url));

const mkdirIn = async (parent: string, name: string) => {
  await mkdir(join(parent, name));
  return join(parent, name);
};

interface Reply {
  ok: boolean;
  max?: number;
  ids?: number[];
  error?: string;
}

/** A PGlite writer process on `dataDir`, driven over IPC. */
async function startWriter(dataDir: string) {
  const child: ChildProcess = fork(WRITER, [dataDir], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const replies: ((reply: Reply) => void)[] = [];
  child.on('message', (reply: Reply) => replies.shift()?.(reply));
  child.once('exit', (code, signal) => {
    for (const reply of replies.splice(0))
      reply({ ok: false, error: `the PGlite writer exited (${code ?? signal})` });
  });
  const next = () =>
    new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the PGlite writer did not answer in 30 s')), 30_000);
      replies.push((reply) => {
        clearTimeout(timer);
        if (reply.ok) resolve(reply);
        else reject(new Error(reply.error));
      });
    });
  await next();
  const ask = (message: Record<string, unknown>) => {
    const answer = next();
    child.send(message);
    return answer;
  };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid!,
    ask,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await ask({ op: 'close' }).catch(() => child.kill('SIGKILL'));
      await exited;
    },
  };
}

// A fresh PGlite runs initdb in WebAssembly (10 s on a busy machine): made once, then copied for each store.
let template: Promise<string> | undefined;
const templateDir = () =>
  (template ??= (async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'opsloop-backup-template-')), 'data');
    await (await startWriter(dir)).close();
    return dir;
  })());

async function openDirectoryStore(
  options: { maxPauseMs?: number } = {},
): Promise<ContractStore & { dataDir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'opsloop-backup-dir-'));
  const dataDir = join(root, 'data', 'svc');
  await cp(await templateDir(), dataDir, { recursive: true });
  let writer: Awaited<ReturnType<typeof startWriter>> | undefined = await startWriter(dataDir);
  const running = async () => (writer ??= await startWriter(dataDir));
  return {
    dataDir,
    backup: createDirectorySnapshot({
      dir: dataDir,
      processes: () => (writer === undefined ? [] : [writer.pid]),
      ...options,
    }),
    write: async (n) => void (await (await running()).ask({ op: 'write', n })),
    startWriting: async () => void (await (await running()).ask({ op: 'start' })),
    stopWriting: async () => (await (await running()).ask({ op: 'stop' })).max!,
    count: async () => (await (await running()).ask({ op: 'count' })).max!,
    async stop() {
      await writer?.close();
      writer = undefined;
    },
    ids: async () => (await (await running()).ask({ op: 'ids' })).ids!,
    async close() {
      await writer?.close();
      writer = undefined;
      await rm(root, { recursive: true, force: true });
    },
  };
}

describe('directory snapshot (PGlite written by another process)', { timeout: 90_000 }, () => {
  afterAll(async () => {
    if (template !== undefined) await rm(dirname(await template), { recursive: true, force: true });
  });
  describeDataBackupContract(() => openDirectoryStore());

  it('links the files unchanged since the previous backup, and restores from the links', async () => {
    const store = await openDirectoryStore();
    const backups = await mkdtemp(join(tmpdir(), 'opsloop-backup-links-'));
    try {
      await store.write(5);
      // Files a backup may link must be older than the previous backup by the safety margin (1 s).
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const first = await store.backup.backup(await mkdirIn(backups, 'a'));
      expect(first.copiedBytes).toBe(first.bytes);
      expect(first.pausedMs).not.toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await store.write(1);
      const second = await store.backup.backup(await mkdirIn(backups, 'b'), {
        dir: join(backups, 'a'),
        files: first.files,
        capturedAtMs: first.capturedAtMs,
      });
      const linked = second.files.filter((f) => f.linked === true);
      expect(linked.length).toBeGreaterThan(0);
      expect(second.copiedBytes).toBeLessThan(second.bytes);
      const one = linked[0]!;
      expect((await stat(join(backups, 'b', one.path))).ino).toBe(
        (await stat(join(backups, 'a', one.path))).ino,
      );
      await store.write(3);
      const prepared = await store.backup.prepareRestore(join(backups, 'b'), second, '20260101T000009Z');
      await store.stop();
      await prepared.apply();
      expect(await store.ids()).toEqual([1, 2, 3, 4, 5, 6]);
      // The restored files are copies: the service writing them never changes a backup.
      await store.write(50);
      await expect(store.backup.prepareRestore(join(backups, 'a'), first, 'x')).resolves.toBeDefined();
    } finally {
      await store.close();
      await rm(backups, { recursive: true, force: true });
    }
  });

  it('abandons a copy that overruns its pause and resumes the writer', async () => {
    const store = await openDirectoryStore({ maxPauseMs: 0 });
    const into = await mkdtemp(join(tmpdir(), 'opsloop-backup-overrun-'));
    // A zero budget: the timer fires before the first file is copied.
    try {
      await store.write(2);
      await expect(store.backup.backup(into)).rejects.toThrow(
        /paused; it was resumed and this backup abandoned/,
      );
      await store.write(1);
      expect(await store.count()).toBe(3);
    } finally {
      await store.close();
      await rm(into, { recursive: true, force: true });
    }
  });
});
