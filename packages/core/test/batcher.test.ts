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
    const bad = batcher.append(msg(3, { room: '' })).catch((error: unknown) => error);
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

  it('lets `concurrency` calls run at once', async () => {
    const store = new GatedStore();
    const batcher = new AppendBatcher(store, { concurrency: 2 });
    const all = [1, 2, 3].map((n) => batcher.append(msg(n)));
    expect(store.batches.map((b) => b.length)).toEqual([1, 1]);
    store.release();
    store.release();
    await until(() => store.waiting === 1);
    store.release();
    await Promise.all(all);
    expect(store.batches.map((b) => b.length)).toEqual([1, 1, 1]);
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
