/**
 * Transactional append: `append(batch, options)` inside the caller's own transaction commits
 * and rolls back with it, and idempotency holds inside it.
 */
import type { AppendOptions, AppendResult, MessageStore } from '@roomlog/core';
import { describe, expect, it } from 'vitest';
import { expectNothingWritten, range, seqs } from '../assertions';
import { defineGroup, freshStream, message, messages, uniqueId } from '../harness';
import type { TransactionOutcome } from '../options';

/**
 * Transaction tests (capability `transactions`), run when the options give a `transaction`
 * hook. "Not visible before commit" is checked only where `isolatesTransactions` is not `false`.
 */
export const transactionTests = defineGroup("transactions: append in the caller's transaction", 'transactions', (h) => {
  const hook = h.options.transaction;
  const isolated = h.options.isolatesTransactions !== false;
  /** Runs `body` in a transaction through the backend's hook, ending it with `outcome`. */
  const inTransaction = <T>(store: MessageStore, outcome: TransactionOutcome, body: (options: AppendOptions) => Promise<T>) =>
    hook!(store, body, outcome);

  describe.skipIf(hook === undefined)('needs the transaction hook', () => {
    it('transactions: committed appends get their seqs and are seen by another instance after commit', async () => {
      const [writer, reader] = await h.openMany(2);
      const stream = freshStream();
      await writer!.append(messages(stream, 2));
      const results = await inTransaction(writer!, 'commit', async (options) => {
        const appended = await writer!.append(messages(stream, 3, 3), options);
        if (isolated) {
          expect((await reader!.head(stream))?.seq, 'another instance sees an uncommitted append').toBe(2);
          expect(seqs((await reader!.read(stream)).messages)).toEqual([1, 2]);
        }
        return appended;
      });
      expect(results.map((r) => [r.message.seq, r.duplicate])).toEqual([
        [3, false],
        [4, false],
        [5, false],
      ]);
      const page = await reader!.read(stream);
      expect(page.messages.slice(2)).toEqual(results.map((r) => r.message));
      expect(page.head?.seq).toBe(5);
    });

    it('transactions: a first append to a new stream in a transaction is invisible elsewhere until commit', async () => {
      const [writer, reader] = await h.openMany(2);
      const stream = freshStream();
      await inTransaction(writer!, 'commit', async (options) => {
        await writer!.append([message(stream, 'first')], options);
        if (isolated) await expectNothingWritten(reader!, stream);
      });
      expect((await reader!.read(stream)).messages.map((m) => [m.seq, m.data])).toEqual([[1, 'first']]);
    });

    it('transactions: rolled-back appends leave no trace; their clientMessageId is free and the next seq has no gap', async () => {
      const [writer, reader] = await h.openMany(2);
      const stream = freshStream();
      const cid = uniqueId('cid');
      await writer!.append(messages(stream, 2));
      const before = await reader!.head(stream);
      const inside = await inTransaction(writer!, 'rollback', (options) =>
        writer!.append([message(stream, 'rolled back', { clientMessageId: cid }), ...messages(stream, 2)], options),
      );
      expect(seqs(inside.map((r) => r.message))).toEqual([3, 4, 5]);
      expect(await reader!.head(stream)).toEqual(before);
      expect(seqs((await reader!.read(stream, { after: 0 })).messages)).toEqual([1, 2]);
      if (h.options.inspect) expect(await h.options.inspect.storedCount(stream)).toBe(2);
      const [again] = await writer!.append([message(stream, 'kept', { clientMessageId: cid })]);
      expect(again).toMatchObject({ duplicate: false, message: { seq: 3, data: 'kept' } });
      expect(seqs((await reader!.read(stream)).messages)).toEqual([1, 2, 3]);
    });

    it('transactions: a rolled-back first append leaves the stream never written; the next append gets seq 1', async () => {
      const [writer, reader] = await h.openMany(2);
      const stream = freshStream();
      const cid = uniqueId('cid');
      await inTransaction(writer!, 'rollback', (options) => writer!.append([message(stream, 'gone', { clientMessageId: cid })], options));
      await expectNothingWritten(reader!, stream);
      if (h.options.inspect) expect(await h.options.inspect.storedCount(stream)).toBe(0);
      const [again] = await writer!.append([message(stream, 'kept', { clientMessageId: cid })]);
      expect(again).toMatchObject({ duplicate: false, message: { seq: 1, data: 'kept' } });
    });

    it('transactions: a body that rejects rolls the appends back and the rejection reaches the caller', async () => {
      const store = await h.open();
      const stream = freshStream();
      const failure = new Error("the caller's own write failed");
      await expect(
        inTransaction(store, 'commit', async (options) => {
          await store.append(messages(stream, 3), options);
          throw failure;
        }),
      ).rejects.toBe(failure);
      await expectNothingWritten(store, stream);
    });

    it('rule 4 + transactions: a clientMessageId repeated inside one transaction, or stored before it, is a duplicate', async () => {
      const [writer, reader] = await h.openMany(2);
      const stream = freshStream();
      const stored = uniqueId('cid');
      const fresh = uniqueId('cid');
      const [original] = await writer!.append([message(stream, 'before', { clientMessageId: stored })]);
      const [retry, first, repeat] = await inTransaction(
        writer!,
        'commit',
        async (options): Promise<AppendResult[]> => [
          ...(await writer!.append([message(stream, 'retry', { clientMessageId: stored })], options)),
          ...(await writer!.append([message(stream, 'new', { clientMessageId: fresh })], options)),
          ...(await writer!.append([message(stream, 'new again', { clientMessageId: fresh })], options)),
        ],
      );
      expect(retry).toEqual({ message: original?.message, duplicate: true });
      expect(first).toMatchObject({ duplicate: false, message: { seq: 2, data: 'new' } });
      expect(repeat).toEqual({ message: first?.message, duplicate: true });
      const [after] = await reader!.append([message(stream, 'after commit', { clientMessageId: fresh })]);
      expect(after).toEqual({ message: first?.message, duplicate: true });
      expect((await reader!.read(stream)).messages.map((m) => m.data)).toEqual(['before', 'new']);
      if (h.options.inspect) expect(await h.options.inspect.storedCount(stream)).toBe(2);
    });

    it('transactions: several appends to several streams in one transaction commit together, gapless', async () => {
      const [writer, reader] = await h.openMany(2);
      const a = freshStream();
      const b = freshStream();
      await inTransaction(writer!, 'commit', async (options) => {
        await writer!.append([...messages(a, 2), ...messages(b, 1)], options);
        await writer!.append([...messages(b, 2, 2), ...messages(a, 1, 3)], options);
      });
      expect(seqs((await reader!.read(a)).messages)).toEqual(range(1, 3));
      expect((await reader!.read(b)).messages.map((m) => [m.seq, m.data])).toEqual([
        [1, { n: 1 }],
        [2, { n: 2 }],
        [3, { n: 3 }],
      ]);
    });
  });
});
