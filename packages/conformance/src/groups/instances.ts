/**
 * Nothing may be served from what one instance wrote or cached: every read, cursor and erase
 * is made on an instance that never touched the stream (opened after the writes, so it holds
 * no state of its own), and compared with what the writing instance returns.
 */
import { expect, it } from 'vitest';
import { expectRoomlogError, seqs } from '../assertions';
import { manualClock } from '../clock';
import { defineGroup, freshStream, message, messages, uniqueId } from '../harness';

/** Cold-instance tests: rule 12 for every operation. */
export const instanceTests = defineGroup(
  'rule 12: every operation answered from the database, on an instance that never touched the stream',
  null,
  (h) => {
    it("rule 12: reads of every shape and head on a fresh instance equal the writer's", async () => {
      const writer = await h.open();
      const stream = freshStream();
      await writer.append(messages(stream, 12, 1, { senderId: 'w' }));
      const cold = await h.open();
      const queries = [
        undefined,
        { limit: 3 },
        { after: 0 },
        { after: 4, limit: 5 },
        { before: 6 },
        { after: 2, before: 9, limit: 3 },
        { after: 12 },
      ];
      for (const query of queries) {
        expect(await cold.read(stream, query), `rule 12: read ${JSON.stringify(query)} on a fresh instance`).toEqual(
          await writer.read(stream, query),
        );
      }
      expect(await cold.head(stream), 'rule 12: head on a fresh instance').toEqual(await writer.head(stream));
    });

    it('rule 4 + 12: a fresh instance recognises a duplicate another instance stored', async () => {
      const writer = await h.open();
      const stream = freshStream();
      const cid = uniqueId('cid');
      const [original] = await writer.append([message(stream, 'x', { clientMessageId: cid }), message(stream, 'y')]);
      const cold = await h.open();
      const [again, fresh] = await cold.append([message(stream, 'x', { clientMessageId: cid }), message(stream, 'z')]);
      expect(again, 'rule 4: a fresh instance stored a duplicate').toEqual({ message: original?.message, duplicate: true });
      expect(fresh?.message.seq, "rule 2: a fresh instance did not continue the stream's seqs").toBe(3);
    });

    h.needs('editDelete')('rule 7 + 12: a fresh instance edits and deletes what another wrote, and refuses what it must', async () => {
      const writer = await h.open();
      const stream = freshStream();
      await writer.append(messages(stream, 3));
      await writer.delete!(stream, 3);
      const cold = await h.open();
      const edited = await cold.edit!(stream, 1, 'edited');
      expect(edited, 'rule 7: edit on a fresh instance').toMatchObject({ seq: 1, data: 'edited', version: 2 });
      await expectRoomlogError(cold, 'NOT_FOUND', () => cold.edit!(stream, 3, 'x'), 'rule 7: edit of a message another instance deleted');
      await expectRoomlogError(cold, 'NOT_FOUND', () => cold.delete!(stream, 4), 'rule 7: delete of a log entry another instance wrote');
      expect(seqs((await writer.read(stream)).messages), "rule 7: the log entry of a fresh instance's edit").toEqual([1, 2, 3, 4, 5]);
      expect((await writer.read(stream)).messages[0]).toEqual(edited);
    });

    h.needs('cursors')('rule 9 + 12: cursors and unread counts on a fresh instance come from the database', async () => {
      const writer = await h.open();
      const stream = freshStream();
      await writer.append(messages(stream, 6, 1, { senderId: 'bob' }));
      await writer.setCursor!(stream, 'alice', 4);
      const cold = await h.open();
      expect(await cold.getCursor!(stream, 'alice'), 'rule 9: getCursor on a fresh instance').toBe(4);
      expect(await cold.unreadCount!(stream, 'alice'), 'rule 9: unreadCount on a fresh instance').toBe(2);
      expect(await cold.setCursor!(stream, 'alice', 2), 'rule 9: a fresh instance moved the marker back').toBe(4);
      expect(await cold.setCursor!(stream, 'alice', 5)).toBe(5);
      expect(await writer.getCursor!(stream, 'alice'), 'rule 9: the writer kept a stale marker').toBe(5);
      expect(await writer.unreadCount!(stream, 'alice')).toBe(1);
    });

    h.needs('erase')('erase + 12: a fresh instance erases what another instance wrote, and counts it once', async () => {
      const writer = await h.open();
      const sender = uniqueId('user');
      const a = freshStream();
      const b = freshStream();
      await writer.append([message(a, 1, { senderId: sender }), message(b, 2, { senderId: sender }), message(b, 3)]);
      const cold = await h.open();
      expect(await cold.eraseSender!(sender), 'erase: a fresh instance must find entries another instance wrote').toBe(2);
      expect(
        (await writer.read(b)).messages.map((m) => m.data),
        'erase: the writer still serves erased data',
      ).toEqual([null, 3]);
      expect(await writer.eraseSender!(sender), 'erase: the writer erased again what a fresh instance erased').toBe(0);
    });

    h.needs('retention')('rule 8 + 12: a fresh instance applies retention to entries another instance wrote', async () => {
      const clock = manualClock();
      const writer = await h.open({ now: clock.now, maxCount: 4 });
      const stream = freshStream();
      await writer.append([message(stream, 'ttl', { ttlMs: 50 }), ...messages(stream, 5)]);
      const cold = await h.open({ now: clock.now, maxCount: 4 });
      expect(await cold.head(stream), 'rule 8: firstSeq on a fresh instance').toMatchObject({ seq: 6, firstSeq: 3 });
      const ttlStream = freshStream();
      await writer.append([message(ttlStream, 'short', { ttlMs: 50, clientMessageId: 'k' }), message(ttlStream, 'stays')]);
      clock.advance(50);
      const cold2 = await h.open({ now: clock.now, maxCount: 4 });
      expect(
        (await cold2.read(ttlStream)).messages.map((m) => m.data),
        'rule 8: a fresh instance returned a TTL-expired entry',
      ).toEqual(['stays']);
      const [again] = await cold2.append([message(ttlStream, 'again', { clientMessageId: 'k' })]);
      expect(again, 'rule 4 + 8: a fresh instance kept an expired key').toMatchObject({ duplicate: false, message: { seq: 3 } });
    });
  },
);
