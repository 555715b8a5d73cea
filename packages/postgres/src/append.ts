/**
 * The JavaScript side of the append function (see `schema.sql.ts`): a prepared batch becomes
 * its array parameters, and its rows become the results. Arrays are built in one pass, so a
 * batch costs one allocation per column, not per message.
 */
import { type AppendResult, type PreparedBatch, appendedData, storedMessage } from '@roomlog/core';
import { BACKEND } from './options';
import { type AppendRow, toNumber } from './rows';

/**
 * The append function's parameters: per-stream arrays (streams in batch order, with how many
 * messages each has), per-message arrays (grouped by stream, in input order), and the batch
 * time. Ids, epochs and the retention step's bound are the function's own.
 */
export function appendParams(prepared: PreparedBatch): unknown[] {
  const namespaces: string[] = [];
  const rooms: string[] = [];
  const counts: number[] = [];
  const events: string[] = [];
  const payloads: string[] = [];
  const senders: (string | null)[] = [];
  const clientIds: (string | null)[] = [];
  const expires: (number | null)[] = [];
  for (const group of prepared.streams) {
    namespaces.push(group.namespace);
    rooms.push(group.room);
    counts.push(group.messages.length);
    for (const message of group.messages) {
      events.push(message.event);
      payloads.push(message.payload);
      senders.push(message.senderId);
      clientIds.push(message.clientMessageId);
      expires.push(message.expiresAt);
    }
  }
  return [namespaces, rooms, counts, events, payloads, senders, clientIds, expires, prepared.createdAt];
}

/**
 * Results by input index from the append function's rows. `ord` is the 1-based position in the
 * message arrays; a new row carries only what the database decided (seq, id, epoch), the rest is
 * the prepared message; a duplicate carries the stored original.
 */
export function appendResults(prepared: PreparedBatch, rows: readonly AppendRow[]): Map<number, AppendResult> {
  const written = prepared.streams.flatMap((group) => group.messages);
  const results = new Map<number, AppendResult>();
  for (const row of rows) {
    const message = written[row.ord - 1];
    if (message === undefined) throw new Error(`append returned an unknown position ${row.ord}`);
    const stored = row.duplicate
      ? storedMessage(BACKEND, message, row.epoch, {
          seq: Number(row.seq),
          id: row.id,
          event: row.event!,
          payload: row.payload,
          senderId: row.sender_id,
          clientMessageId: message.clientMessageId,
          createdAt: Number(row.created_at),
          kind: 'message',
          target: null,
          version: row.version!,
          editedAt: toNumber(row.edited_at),
          deletedAt: toNumber(row.deleted_at),
          expiresAt: toNumber(row.expires_at),
        }) // no data given: decode the stored original
      : storedMessage(
          BACKEND,
          message,
          row.epoch,
          {
            seq: Number(row.seq),
            id: row.id,
            event: message.event,
            payload: message.payload,
            senderId: message.senderId,
            clientMessageId: message.clientMessageId,
            createdAt: prepared.createdAt,
            kind: 'message',
            target: null,
            version: 1,
            editedAt: null,
            deletedAt: null,
            expiresAt: message.expiresAt,
          },
          appendedData(message, BACKEND),
        );
    results.set(message.index, { message: stored, duplicate: row.duplicate });
  }
  return results;
}
