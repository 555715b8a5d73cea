/**
 * The read coalescer: identical requests of one event-loop turn share one store read; a request
 * arriving after a read started never shares it (it may miss what was appended since), and
 * gets the next one, which sees that entry.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore, type ReadQuery, type ReadResult, type StreamRef } from '../src/index';
import { ReadCoalescer } from '../src/socket/coalesce';

function counted(store: MemoryStore) {
  const calls: ReadQuery[] = [];
  let release: (() => void) | null = null;
  const reader = {
    ...store,
    read: async (stream: StreamRef, query: ReadQuery = {}): Promise<ReadResult> => {
      calls.push(query);
      const result = await store.read(stream, query);
      if (release === null) return result;
      await new Promise<void>((resolve) => {
        const previous = release!;
        release = () => {
          previous();
          resolve();
        };
      });
      return result;
    },
  } as unknown as MemoryStore;
  return {
    reader,
    calls,
    /** Holds every read until `open()`. */
    hold: () => (release = () => {}),
    open: () => {
      const go = release;
      release = null;
      go?.();
    },
  };
}

const stream: StreamRef = { namespace: '/', room: 'coalesce' };

describe('ReadCoalescer', () => {
  it('serves every identical request of one turn with one read', async () => {
    const store = new MemoryStore();
    await store.append([1, 2, 3].map((n) => ({ ...stream, event: 'chat', data: n })));
    const { reader, calls } = counted(store);
    const coalescer = new ReadCoalescer(reader);
    const results = await Promise.all(Array.from({ length: 100 }, () => coalescer.read(stream, { after: 1 })));
    expect(calls).toHaveLength(1);
    for (const result of results) expect(result.messages.map((m) => m.data)).toEqual([2, 3]);
  });

  it('keeps different offsets apart', async () => {
    const store = new MemoryStore();
    await store.append([1, 2, 3].map((n) => ({ ...stream, event: 'chat', data: n })));
    const { reader, calls } = counted(store);
    const coalescer = new ReadCoalescer(reader);
    const [a, b] = await Promise.all([coalescer.read(stream, { after: 1 }), coalescer.read(stream, { after: 2 })]);
    expect(calls).toHaveLength(2);
    expect(a.messages.map((m) => m.data)).toEqual([2, 3]);
    expect(b.messages.map((m) => m.data)).toEqual([3]);
  });

  it('gives a request that arrives while a read runs the next read, which sees entries appended meanwhile', async () => {
    const store = new MemoryStore();
    await store.append([{ ...stream, event: 'chat', data: 1 }]);
    const { reader, calls, hold, open } = counted(store);
    const coalescer = new ReadCoalescer(reader);
    hold();
    const early = coalescer.read(stream, {});
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(1); // started, held
    await store.append([{ ...stream, event: 'chat', data: 2 }]);
    const late = Array.from({ length: 10 }, () => coalescer.read(stream, {}));
    open();
    expect((await early).messages.map((m) => m.data)).toEqual([1]);
    for (const result of await Promise.all(late)) expect(result.messages.map((m) => m.data)).toEqual([1, 2]);
    expect(calls).toHaveLength(2);
  });

  it('passes a failed read to every request that shared it, and reads again afterwards', async () => {
    const store = new MemoryStore();
    let fail = true;
    const reader = {
      read: async (s: StreamRef, q: ReadQuery) => {
        if (fail) throw new Error('down');
        return store.read(s, q);
      },
    } as unknown as MemoryStore;
    const coalescer = new ReadCoalescer(reader);
    const failed = await Promise.allSettled([coalescer.read(stream, {}), coalescer.read(stream, {})]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(coalescer.read(stream, {})).resolves.toMatchObject({ messages: [] });
  });
});
