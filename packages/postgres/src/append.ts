/**
 * The JavaScript side of the append function (see `schema.sql.ts`): a prepared batch becomes
 * its array parameters, and its rows become the results. Arrays are built in one pass, so a
 * batch costs one allocation per column, not per message.
 */
import {
  type AppendResult,
  type PreparedBatch,
  type ResolvedStoreOptions,
  ageCutoff,
  appendedData,
  newEpoch,
  newMessageId,
  storedMessage,
} from '@roomlog/core';
import { BACKEND } from './options';
import { type AppendRow, toNumber } from './rows';

/** Rows of slack, beyond twice the batch size, that an append's retention step may remove. */
const PRUNE_SLACK = 16;

/**
 * The append function's parameters: per-stream arrays, per-message arrays (streams in batch
 * order, messages grouped by stream in input order), the batch time and retention settings.
 * The retention step may remove up to twice the batch plus a little per stream, so it keeps up
 * with the stream and works off any backlog without one unbounded DELETE.
 */
export function appendParams(prepared: PreparedBatch, options: ResolvedStoreOptions): unknown[] {
  const namespaces: string[] = [];
  const rooms: string[] = [];
  const epochs: string[] = [];
  const streamIx: number[] = [];
  const ids: string[] = [];
  const events: string[] = [];
  const payloads: string[] = [];
  const senders: (string | null)[] = [];
  const clientIds: (string | null)[] = [];
  const expires: (number | null)[] = [];
  prepared.streams.forEach((group, i) => {
    namespaces.push(group.namespace);
    rooms.push(group.room);
    // Used only if this append creates the stream.
    epochs.push(newEpoch());
    for (const message of group.messages) {
      streamIx.push(i + 1);
      ids.push(newMessageId());
      events.push(message.event);
      payloads.push(message.payload);
      senders.push(message.senderId);
      clientIds.push(message.clientMessageId);
      expires.push(message.expiresAt);
    }
  });
  const { createdAt } = prepared;
  return [
    namespaces,
    rooms,
    epochs,
    streamIx,
    ids,
    events,
    payloads,
    senders,
    clientIds,
    expires,
    createdAt,
    options.maxCount,
    ageCutoff(options, createdAt),
    2 * ids.length + PRUNE_SLACK,
  ];
}

/**
 * Results by input index from the append function's rows. `ord` is the 1-based position in the
 * message arrays; a new row carries only what the database decided (seq, epoch), the rest is
 * the prepared message; a duplicate carries the stored original.
 */
export function appendResults(prepared: PreparedBatch, rows: readonly AppendRow[]): Map<number, AppendResult> {
  const written = prepared.streams.flatMap((group) => group.messages);
  const results = new Map<number, AppendResult>();
  for (const row of rows) {
    const message = written[row.ord - 1];
    if (message === undefined) throw new Error(`append returned an unknown position ${row.ord}`);
    const stored = storedMessage(
      BACKEND,
      message,
      row.epoch,
      {
        seq: Number(row.seq),
        id: row.id,
        event: row.event ?? message.event,
        payload: row.duplicate ? row.payload : message.payload,
        senderId: row.duplicate ? row.sender_id : message.senderId,
        clientMessageId: message.clientMessageId,
        createdAt: Number(row.created_at),
        kind: 'message',
        target: null,
        version: row.version,
        editedAt: toNumber(row.edited_at),
        deletedAt: toNumber(row.deleted_at),
        expiresAt: toNumber(row.expires_at),
      },
      row.duplicate ? undefined : appendedData(message, BACKEND),
    ); // undefined: decode the stored original
    results.set(message.index, { message: stored, duplicate: row.duplicate });
  }
  return results;
}
