import { describe, expect, it } from 'vitest';
import { linesOf, serverSentEvents } from './streams.js';

function bodyOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('stream readers', () => {
  it('splits lines across chunk boundaries, CRLF or LF, keeping a last unterminated line', async () => {
    expect(await collect(linesOf(bodyOf(['{"a":', '1}\r\n{"b"', ':2}\n', 'tail'])))).toEqual([
      '{"a":1}',
      '{"b":2}',
      'tail',
    ]);
  });

  it('parses server-sent events: event names, multi-line data, ids, comments', async () => {
    const events = await collect(
      serverSentEvents(
        bodyOf([': hello\n\n', 'event: runtime\nid: 4\ndata: {"seq":4}\n\n', 'data: one\ndata: two\n', '\n']),
      ),
    );
    expect(events).toEqual([
      { event: 'runtime', data: '{"seq":4}', id: '4' },
      { event: 'message', data: 'one\ntwo', id: '4' },
    ]);
  });
});
