import { describe, expect, it } from 'vitest';
import { AppendBatcher, type AppendResult, MemoryStore, type MessageStore, type NewMessage, RoomlogError } from '../src/index';

const stream = { namespace: '/', room: 'batcher' };
const msg = (n: number, fields: Partial<NewMessage> = {}): NewMessage => ({ ...stream, event: 'chat', data: { n }, ...fields });

/**
 * A MemoryStore whose `append` calls wait until the test releases them, so what is in flight
 * and what is gathering is under the test's control. Records every batch it was given.
 */
class GatedStore extends MemoryStore {
  readonly batches: NewMessage[][] = [];
  readonly #gates: (() => void)[] = [];
  failNext: Error | null = null;

  override async append(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    this.batches.push([...batch]);
    await new Promise<void>((resolve) => this.#gates.push(resolve));
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = null;
      throw error;
    }
    return super.append(batch);
  }

  /** Lets the oldest waiting call proceed. */
  release(): void {
    this.#gates.shift()?.();
  }

  get waiting(): number {
    return this.#gates.length;
  }
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  expect(check()).toBe(true);
};

describe('AppendBatcher', () => {
  it('sends a message at once when idle, and gathers the ones arriving meanwhile into the next call', async () => {
    const store = new GatedStore();
    const batcher = new AppendBatcher(store);
    const first = batcher.append(msg(1));
    // No timer: the store was called synchronously.
    expect(store.batches).toHaveLength(1);
    const rest = [2, 3, 4, 5].map((n) => batcher.append(msg(n)));
    expect(store.batches).toHaveLength(1);
    store.release();
    await until(() => store.batches.length === 2);
    expect(store.batches[1]!.map((m) => (m.data as { n: number }).n)).toEqual([2, 3, 4, 5]);
    store.release();
    const results = await Promise.all([first, ...rest]);
    expect(results.map((r) => r.message.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(results.map((r) => r.message.data)).toEqual([1, 2, 3, 4, 5].map((n) => ({ n })));
  });

  it('caps each call at maxBatchSize', async () => {
    const store = new GatedStore();
    const batcher = new AppendBatcher(store, { maxBatchSize: 3 });
    const all = Array.from({ length: 8 }, (_, i) => batcher.append(msg(i + 1)));
    for (let i = 0; i < 4; i++) {
      await until(() => store.waiting === 1);
      store.release();
    }
    await Promise.all(all);
    expect(store.batches.map((b) => b.length)).toEqual([1, 3, 3, 1]);
  });

  it('refuses with UNAVAILABLE once maxQueue messages wait, without growing the queue', async () => {
    const store = new GatedStore();
    const batcher = new AppendBatcher(store, { maxQueue: 2 });
    const inFlight = batcher.append(msg(1));
    const queued = [batcher.append(msg(2)), batcher.append(msg(3))];
    await expect(batcher.append(msg(4))).rejects.toMatchObject({ name: 'RoomlogError', code: 'UNAVAILABLE' });
    expect(batcher.queued).toBe(2);
    store.release();
    await until(() => store.waiting === 1);
    store.release();
    await expect(Promise.all([inFlight, ...queued])).resolves.toHaveLength(3);
  });

  it('rejects exactly the messages of a failed call, as RoomlogErrors, and keeps going', async () => {
    const store = new GatedStore();
    const batcher = new AppendBatcher(store);
    const first = batcher.append(msg(1));
    const second = [batcher.append(msg(2)), batcher.append(msg(3))];
    store.failNext = new Error('connection reset');
    store.release();
    await expect(first).rejects.toSatisfy((error: unknown) => error instanceof RoomlogError && error.code === 'INTERNAL');
    await until(() => store.waiting === 1);
    store.release();
    expect((await Promise.all(second)).map((r) => r.message.seq)).toEqual([1, 2]);
  });

  it('fails the waiting messages at once with UNAVAILABLE when a call finds the backend down, and keeps going', async () => {
    const store = new GatedStore();
    const batcher = new AppendBatcher(store);
    const first = batcher.append(msg(1));
    const waiting = [batcher.append(msg(2)), batcher.append(msg(3))];
    store.failNext = new RoomlogError('UNAVAILABLE', 'connection refused', { backend: 'test', cause: new Error('ECONNREFUSED') });
    store.release();
    await expect(first).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    for (const message of waiting) await expect(message).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(store.batches).toHaveLength(1);
    expect(batcher.queued).toBe(0);
    const later = batcher.append(msg(4));
    store.release();
    await expect(later).resolves.toMatchObject({ message: { seq: 1 } });
  });

  it('isolates an invalid message so it does not fail the others in its batch', async () => {
    const store = new GatedStore();
    const batcher = new AppendBatcher(store);
    const first = batcher.append(msg(1));
    const good = batcher.append(msg(2));
    // Same stream (so it shares the batch), but an event name validation refuses.
    const bad = batcher.append(msg(3, { event: '' })).catch((error: unknown) => error);
    const alsoGood = batcher.append(msg(4));
    store.release();
    await first;
    // The batch [2, bad, 4] fails validation, then is retried in halves: [2, bad] ([2], [bad]), [4].
    for (let i = 0; i < 5; i++) {
      await until(() => store.waiting === 1);
      store.release();
    }
    expect(await bad).toMatchObject({ name: 'RoomlogError', code: 'INVALID_ARGUMENT' });
    expect((await Promise.all([good, alsoGood])).map((r) => r.message.data)).toEqual([{ n: 2 }, { n: 4 }]);
  });

  it('fails only the message whose data refers to one binary thousands of times, never its batch-mates', async () => {
    const store = new MemoryStore();
    const batcher = new AppendBatcher(store);
    const shared = Buffer.alloc(700_000);
    const hostile = { ...stream, event: 'chat', data: Array.from({ length: 500 }, () => shared) };
    const sends = Array.from({ length: 200 }, (_, n) => (n % 50 === 25 ? batcher.append(hostile) : batcher.append(msg(n))));
    const outcomes = await Promise.all(
      sends.map((p) =>
        p.then(
          () => 'ok',
          (error: RoomlogError) => error.code,
        ),
      ),
    );
    expect(outcomes.filter((o) => o === 'PAYLOAD_TOO_LARGE')).toHaveLength(4);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(196);
    const page = await store.read(stream, { limit: 1000 });
    expect(page.messages.map((m) => (m.data as { n: number }).n)).toEqual(
      Array.from({ length: 200 }, (_, n) => n).filter((n) => n % 50 !== 25),
    );
  });

  it('drains on close and refuses with CLOSED afterwards', async () => {
    const store = new GatedStore();
    const batcher = new AppendBatcher(store);
    const pending = [1, 2, 3].map((n) => batcher.append(msg(n)));
    const closed = batcher.close();
    await expect(batcher.append(msg(9))).rejects.toMatchObject({ code: 'CLOSED' });
    store.release();
    await until(() => store.waiting === 1);
    store.release();
    await closed;
    expect((await Promise.all(pending)).map((r) => r.message.seq)).toEqual([1, 2, 3]);
  });

  it('lets `concurrency` calls run at once for different streams, never two for one stream', async () => {
    const store = new GatedStore();
    const batcher = new AppendBatcher(store, { concurrency: 2 });
    const room = (r: string) => ({ room: r });
    const all = [
      batcher.append(msg(1, room('a'))),
      batcher.append(msg(2, room('a'))),
      batcher.append(msg(3, room('b'))),
      batcher.append(msg(4, room('c'))),
      batcher.append(msg(5, room('a'))),
    ];
    const numbers = (batch: NewMessage[]) => batch.map((m) => `${m.room}${(m.data as { n: number }).n}`);
    // a1 alone (sent when idle), then b3 (a is busy); c4 waits for a free call, a2/a5 for a's.
    expect(store.batches.map(numbers)).toEqual([['a1'], ['b3']]);
    store.release();
    await until(() => store.batches.length === 3);
    // a's call settled: its waiting messages and c's go together, in arrival order per stream.
    expect(numbers(store.batches[2]!)).toEqual(['c4', 'a2', 'a5']);
    store.release();
    store.release();
    const results = await Promise.all(all);
    expect(results.map((r) => r.message.seq)).toEqual([1, 2, 1, 1, 3]);
  });

  it('defaults to 4 calls in flight over distinct streams', async () => {
    const store = new GatedStore();
    const batcher = new AppendBatcher(store);
    const all = Array.from({ length: 6 }, (_, i) => batcher.append(msg(i, { room: `r${i}` })));
    expect(store.batches).toHaveLength(4);
    for (let i = 0; i < 3; i++) store.release();
    await until(() => store.batches.length === 5);
    // Both remaining streams went into the one call that became free.
    expect(store.batches[4]!.map((m) => m.room)).toEqual(['r4', 'r5']);
    store.release();
    store.release();
    expect(batcher.queued).toBe(0);
    await Promise.all(all);
  });

  it('keeps arrival order per stream under random interleavings of many streams and call sizes', async () => {
    for (let round = 0; round < 20; round++) {
      const store = new MemoryStore();
      const batcher = new AppendBatcher(store, { concurrency: 1 + (round % 5), maxBatchSize: 1 + (round % 7) });
      const sent = new Map<string, number[]>();
      const pending: Promise<AppendResult>[] = [];
      for (let i = 0; i < 300; i++) {
        const room = `r${Math.floor(Math.random() * 6)}`;
        sent.set(room, [...(sent.get(room) ?? []), i]);
        pending.push(batcher.append(msg(i, { room })));
        if (Math.random() < 0.2) await new Promise((resolve) => setTimeout(resolve, 0));
      }
      await Promise.all(pending);
      for (const [room, numbers] of sent) {
        const page = await store.read({ namespace: '/', room }, { after: 0, limit: 1000 });
        expect(page.messages.map((m) => (m.data as { n: number }).n)).toEqual(numbers);
        expect(page.messages.map((m) => m.seq)).toEqual(numbers.map((_, k) => k + 1));
      }
    }
  });

  it('coalesces a burst of concurrent appends into few calls on a real MemoryStore', async () => {
    const store: MessageStore = new MemoryStore();
    let calls = 0;
    const counting: MessageStore = Object.assign(Object.create(store) as MessageStore, {
      append: (batch: readonly NewMessage[]) => {
        calls++;
        return store.append(batch);
      },
    });
    const batcher = new AppendBatcher(counting);
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => batcher.append(msg(i + 1))));
    expect(results.map((r) => r.message.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    // One call for the first message, then batches of up to 256.
    expect(calls).toBe(1 + Math.ceil(999 / 256));
  });

  it('refuses bad options with INVALID_ARGUMENT', () => {
    expect(() => new AppendBatcher(new MemoryStore(), { maxBatchSize: 0 })).toThrow(RoomlogError);
    expect(() => new AppendBatcher(new MemoryStore(), { concurrency: 1.5 })).toThrow(/concurrency/);
  });
});
