import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '@opsloop/kit';
import type { EventEnvelope } from '../../event-bus.js';
import { createEmbeddedBroker, type EmbeddedBroker } from './broker.js';

const STREAM = 'orders';

function ev(n: number, key = 'same-key'): EventEnvelope<{ n: number }> {
  return { id: `event-${n}`, type: 'test.v1', key, time: '2025-01-31T12:00:00.000Z', data: { n } };
}

/** Reads the whole stream as group `group`, acking each delivery (one key: strictly in order). */
async function drain(broker: EmbeddedBroker, group: string): Promise<number[]> {
  const seen: number[] = [];
  for (;;) {
    const deliveries = await broker.fetch({
      stream: STREAM,
      group,
      consumer: group,
      waitMs: 0,
      ackWaitMs: 60_000,
    });
    if (deliveries.length === 0) return seen;
    for (const d of deliveries) {
      seen.push((d.event.data as { n: number }).n);
      await broker.ack({ stream: STREAM, group, partition: d.partition, seq: d.seq, attempt: d.attempt });
    }
  }
}

describe('embedded broker recovery', () => {
  let dir: string;
  const clock = createManualClock(1_700_000_000_000);
  const logDir = () => join(dir, 'streams', STREAM, 'log');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsloop-broker-recovery-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('drops a torn last line and appends after it', async () => {
    let broker = await createEmbeddedBroker({ dir, clock });
    await broker.ensureStream(STREAM);
    for (let n = 1; n <= 3; n++) await broker.publish(STREAM, ev(n));
    await broker.close();
    const [segment] = await readdir(logDir());
    await appendFile(join(logDir(), segment!), '{"seq":4,"ts":1700000000000,"p":1,"event":{"id":"torn"');

    broker = await createEmbeddedBroker({ dir, clock });
    expect((await broker.streamInfo(STREAM)).lastSeq).toBe(3);
    expect(await broker.publish(STREAM, ev(4))).toEqual({ seq: 4, duplicate: false });
    await broker.close();

    broker = await createEmbeddedBroker({ dir, clock, cacheEvents: 0 });
    try {
      expect(await drain(broker, 'g')).toEqual([1, 2, 3, 4]);
      const text = await readFile(join(logDir(), segment!), 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      expect(text).not.toContain('torn');
    } finally {
      await broker.close();
    }
  });

  it('refuses to open a log damaged before its end', async () => {
    const broker = await createEmbeddedBroker({ dir, clock });
    await broker.ensureStream(STREAM);
    for (let n = 1; n <= 3; n++) await broker.publish(STREAM, ev(n));
    await broker.close();
    const [segment] = await readdir(logDir());
    const path = join(logDir(), segment!);
    const lines = (await readFile(path, 'utf8')).split('\n');
    lines[1] = '{"seq":2,"garbage';
    await writeFile(path, lines.join('\n'));
    await expect(createEmbeddedBroker({ dir, clock })).rejects.toMatchObject({ code: 'storage' });
    // The failed open released the directory.
    await writeFile(path, (await readFile(path, 'utf8')).replace('{"seq":2,"garbage\n', ''));
    await expect(createEmbeddedBroker({ dir, clock })).rejects.toMatchObject({ code: 'storage' });
  });

  it('rolls segments and reads across them after a restart (from disk, no cache)', async () => {
    let broker = await createEmbeddedBroker({ dir, clock, segmentBytes: 300, cacheEvents: 0 });
    await broker.ensureStream(STREAM);
    for (let n = 1; n <= 10; n++) await broker.publish(STREAM, ev(n));
    expect(await drain(broker, 'before')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await broker.close();
    expect((await readdir(logDir())).length).toBeGreaterThan(2);

    broker = await createEmbeddedBroker({ dir, clock, segmentBytes: 300, cacheEvents: 0 });
    try {
      expect(await drain(broker, 'before')).toEqual([]);
      expect(await drain(broker, 'after')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(await broker.publish(STREAM, ev(11))).toEqual({ seq: 11, duplicate: false });
    } finally {
      await broker.close();
    }
  });

  it('finishes a stream whose creation was interrupted', async () => {
    let broker = await createEmbeddedBroker({ dir, clock });
    await broker.ensureStream(STREAM);
    await broker.close();
    await rm(join(dir, 'streams', STREAM, 'stream.json'));
    broker = await createEmbeddedBroker({ dir, clock });
    try {
      await expect(broker.streamInfo(STREAM)).rejects.toMatchObject({ code: 'stream-not-found' });
      await broker.ensureStream(STREAM);
      expect(await broker.publish(STREAM, ev(1))).toEqual({ seq: 1, duplicate: false });
    } finally {
      await broker.close();
    }
  });
});
