/** Rule 5: ascending pages by `after`/`before`/latest, `limit`, `hasMore`, `head`. */
import type { MessageStore, ReadQuery, StreamRef } from '@roomlog/core';
import { expect, it } from 'vitest';
import { range, seqs } from '../assertions';
import { defineGroup, fill, freshStream } from '../harness';

const PAGE_SIZES = [1, 7, 50, 1000] as const;

/**
 * Reads forward from the start with `after`, page by page. Stops after `maxPages` pages so a
 * store whose cursor does not advance fails instead of looping.
 */
async function walkForward(store: MessageStore, stream: StreamRef, limit: number, maxPages: number): Promise<number[]> {
  const seen: number[] = [];
  let after = 0;
  for (let pages = 0; pages < maxPages; pages++) {
    const page = await store.read(stream, { after, limit });
    seen.push(...seqs(page.messages));
    const last = page.messages.at(-1);
    if (!page.hasMore || !last) return seen;
    after = last.seq;
  }
  throw new Error(`paging forward by ${limit} did not end within ${maxPages} pages; seen so far: ${seen.slice(0, 20).join(',')}…`);
}

/** Reads backward from the head with `before`, page by page, and returns ascending seqs; bounded like {@link walkForward}. */
async function walkBackward(store: MessageStore, stream: StreamRef, limit: number, maxPages: number): Promise<number[]> {
  const pages: number[][] = [];
  let query: ReadQuery = { limit };
  for (let count = 0; count < maxPages; count++) {
    const page = await store.read(stream, query);
    pages.unshift(seqs(page.messages));
    const first = page.messages[0];
    if (!page.hasMore || !first) return pages.flat();
    query = { before: first.seq, limit };
  }
  throw new Error(`paging backward by ${limit} did not end within ${maxPages} pages; first pages: ${pages.slice(-3).flat().join(',')}`);
}

/** Rule 5 tests. */
export const readTests = defineGroup('rule 5: read', null, (h) => {
  it('rule 5: a stream never written reads as empty with head null', async () => {
    const store = await h.open();
    expect(await store.read(freshStream())).toEqual({ messages: [], head: null, hasMore: false, truncated: false });
    expect(await store.read(freshStream(), { after: 5, limit: 3 })).toEqual({ messages: [], head: null, hasMore: false, truncated: false });
  });

  it('rule 5: without a cursor a read returns the latest 50 in ascending seq', async () => {
    const store = await h.open();
    const stream = freshStream();
    await fill(store, stream, 60);
    const page = await store.read(stream);
    expect(seqs(page.messages)).toEqual(range(11, 60));
    expect(page.messages.map((m) => m.data)).toEqual(range(11, 60).map((n) => ({ n })));
    expect(page.hasMore).toBe(true);
    expect(page.truncated).toBe(false);
    expect(page.head).toEqual(await store.head(stream));
  });

  it('rule 5: { after } returns the first `limit` entries above it; hasMore says whether newer ones exist', async () => {
    const store = await h.open();
    const stream = freshStream();
    await fill(store, stream, 20);
    const page = await store.read(stream, { after: 5, limit: 10 });
    expect(seqs(page.messages)).toEqual(range(6, 15));
    expect(page.hasMore).toBe(true);
    const rest = await store.read(stream, { after: 15, limit: 5 });
    expect(seqs(rest.messages)).toEqual(range(16, 20));
    expect(rest.hasMore).toBe(false);
    const none = await store.read(stream, { after: 20 });
    expect(none.messages).toEqual([]);
    expect(none.hasMore).toBe(false);
    expect(seqs((await store.read(stream, { after: 0, limit: 3 })).messages)).toEqual([1, 2, 3]);
    expect((await store.read(stream, { after: 99 })).messages).toEqual([]);
  });

  it('rule 5: { before } returns the last `limit` entries strictly below it; hasMore says whether older ones exist', async () => {
    const store = await h.open();
    const stream = freshStream();
    await fill(store, stream, 20);
    const page = await store.read(stream, { before: 11, limit: 4 });
    expect(seqs(page.messages)).toEqual([7, 8, 9, 10]);
    expect(page.hasMore).toBe(true);
    const start = await store.read(stream, { before: 4, limit: 3 });
    expect(seqs(start.messages)).toEqual([1, 2, 3]);
    expect(start.hasMore).toBe(false);
    expect((await store.read(stream, { before: 1 })).messages).toEqual([]);
    expect((await store.read(stream, { before: 0 })).messages).toEqual([]);
    expect(seqs((await store.read(stream, { before: 100, limit: 2 })).messages)).toEqual([19, 20]);
  });

  it('rule 5: { after, before } returns the first `limit` entries between them, both exclusive', async () => {
    const store = await h.open();
    const stream = freshStream();
    await fill(store, stream, 20);
    const page = await store.read(stream, { after: 5, before: 10, limit: 50 });
    expect(seqs(page.messages)).toEqual([6, 7, 8, 9]);
    expect(page.hasMore).toBe(false);
    const limited = await store.read(stream, { after: 5, before: 10, limit: 2 });
    expect(seqs(limited.messages)).toEqual([6, 7]);
    expect(limited.hasMore).toBe(true);
    expect((await store.read(stream, { after: 5, before: 6 })).messages).toEqual([]);
  });

  it('rule 5: hasMore is false when the page ends exactly at the last entry', async () => {
    const store = await h.open();
    const stream = freshStream();
    await fill(store, stream, 10);
    expect((await store.read(stream, { limit: 10 })).hasMore).toBe(false);
    expect((await store.read(stream, { limit: 9 })).hasMore).toBe(true);
    expect((await store.read(stream, { after: 0, limit: 10 })).hasMore).toBe(false);
    expect((await store.read(stream, { after: 1, limit: 9 })).hasMore).toBe(false);
    expect((await store.read(stream, { before: 11, limit: 10 })).hasMore).toBe(false);
  });

  it('rule 5: limits 1 and 1000 are accepted', async () => {
    const store = await h.open();
    const stream = freshStream();
    await fill(store, stream, 3);
    expect(seqs((await store.read(stream, { limit: 1 })).messages)).toEqual([3]);
    expect(seqs((await store.read(stream, { limit: 1000 })).messages)).toEqual([1, 2, 3]);
  });

  const length = h.heavySize(1000);
  it(
    `rule 5: paging a ${length.toLocaleString('en-US')}-entry stream forward and backward in pages of 1, 7, 50 and 1000 yields the whole, in order`,
    async () => {
      const store = await h.open();
      const stream = freshStream();
      await fill(store, stream, length, 250);
      const whole = await store.read(stream, { limit: 1000 });
      expect(seqs(whole.messages)).toEqual(range(1, length));
      expect(whole.hasMore).toBe(false);
      for (const limit of PAGE_SIZES) {
        const maxPages = Math.ceil(length / limit) + 1;
        expect(await walkForward(store, stream, limit, maxPages), `forward, pages of ${limit}`).toEqual(range(1, length));
        expect(await walkBackward(store, stream, limit, maxPages), `backward, pages of ${limit}`).toEqual(range(1, length));
      }
    },
    h.heavyTimeout,
  );

  it('rule 5: a read carries the current head', async () => {
    const store = await h.open();
    const stream = freshStream();
    await fill(store, stream, 3);
    const head = await store.head(stream);
    expect(head).toMatchObject({ seq: 3, firstSeq: 1 });
    expect((await store.read(stream, { after: 0, limit: 1 })).head).toEqual(head);
    expect((await store.read(stream, { before: 2 })).head).toEqual(head);
  });
});
