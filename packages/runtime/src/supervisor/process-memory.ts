import { readFile } from 'node:fs/promises';

/** Reads the resident memory of a replica's process tree, in bytes (undefined when it cannot be read). */
export type MemoryReader = (pid: number) => Promise<number | undefined>;

async function rssOf(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

async function childrenOf(pid: number): Promise<number[]> {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return text
      .split(/\s+/)
      .filter((s) => s !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * The RSS of `pid` and all its descendants (Linux /proc), like a cgroup's memory usage counts every process
 * of the container: a wrapper (`npm start`, a shell) must not hide its child's memory. Undefined where /proc
 * is not available (the limit is then not enforced, and the runtime says so once).
 */
export const procTreeMemory: MemoryReader = async (pid) => {
  const own = await rssOf(pid);
  if (own === undefined) return undefined;
  let total = own;
  const queue = await childrenOf(pid);
  const seen = new Set<number>([pid]);
  while (queue.length > 0 && seen.size < 1024) {
    const next = queue.shift()!;
    if (seen.has(next)) continue;
    seen.add(next);
    total += (await rssOf(next)) ?? 0;
    queue.push(...(await childrenOf(next)));
  }
  return total;
};
