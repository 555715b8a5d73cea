/**
 * The JavaScript side of the append routine (`append-routine.sql.ts`): a prepared batch
 * becomes its parameters (arrays on PostgreSQL, two JSON documents on MariaDB/MySQL), and its
 * rows become the results, built as the statement path builds them.
 */
import {
  type AppendResult,
  type PreparedMessage,
  type PreparedStream,
  appendedData,
  newEntry,
  newEpoch,
  newMessageId,
  storedMessage,
  streamDigest,
} from '@roomlog/core';
import { BACKEND } from './options';
import type { MessageRow } from './queries.sql';
import { toNumber, toStoredMessage } from './rows';

/** A stream of the batch with its key; the routine takes them sorted by key (the lock order). */
export interface KeyedStream {
  group: PreparedStream;
  key: string;
}

/** What the routine needs besides the messages: the batch time and the store's retention settings. */
export interface RoutineSettings {
  now: number;
  maxCount: number | null;
  /** Age cutoff (ms since epoch), `null` without `maxAgeMs`. */
  cutoff: number | null;
  sweepLimit: number;
}

/** One row of the routine's result: a new message's seq and epoch, or a duplicate's stored original too. */
export type RoutineRow = Partial<MessageRow> & {
  ord: number | string;
  seq: number | string;
  epoch: string;
  duplicate: boolean | number | string;
};

/** The batch's streams with their keys, sorted by key, so every writer locks counter rows in one order. */
export function keyedStreams(streams: readonly PreparedStream[]): KeyedStream[] {
  const keyed = streams.map((group) => ({ group, key: streamDigest(group.namespace, group.room) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed;
}

/** Characters of payload in a batch (MySQL's packet limit decides whether the routine can take it). */
export function payloadChars(streams: readonly PreparedStream[]): number {
  let chars = 0;
  for (const group of streams) for (const message of group.messages) chars += message.payload.length;
  return chars;
}

/** The PostgreSQL function's parameters, in its order; `ids` receives the message ids drawn, by position. */
export function postgresRoutineParams(streams: readonly KeyedStream[], settings: RoutineSettings, ids: string[]): unknown[] {
  const keys: string[] = [];
  const namespaces: string[] = [];
  const rooms: string[] = [];
  const epochs: string[] = [];
  const counts: number[] = [];
  const events: string[] = [];
  const payloads: string[] = [];
  const senders: (string | null)[] = [];
  const clientIds: (string | null)[] = [];
  const expires: (number | null)[] = [];
  for (const { group, key } of streams) {
    keys.push(key);
    namespaces.push(group.namespace);
    rooms.push(group.room);
    epochs.push(newEpoch());
    counts.push(group.messages.length);
    for (const message of group.messages) {
      ids.push(newMessageId());
      events.push(message.event);
      payloads.push(message.payload);
      senders.push(message.senderId);
      clientIds.push(message.clientMessageId);
      expires.push(message.expiresAt);
    }
  }
  const { now, maxCount, cutoff, sweepLimit } = settings;
  return [keys, namespaces, rooms, epochs, counts, ids, events, payloads, senders, clientIds, expires, now, maxCount, cutoff, sweepLimit];
}

/**
 * The MariaDB/MySQL procedure's parameters: the streams and messages as JSON (absent keys are
 * `NULL` there), the settings, and whether it runs the store's own transaction.
 */
export function mysqlRoutineParams(streams: readonly KeyedStream[], settings: RoutineSettings, own: boolean, ids: string[]): unknown[] {
  const streamDocs: Record<string, unknown>[] = [];
  const messageDocs: Record<string, unknown>[] = [];
  streams.forEach(({ group, key }, s) => {
    let nextExpiry: number | null = null;
    for (const message of group.messages) {
      const id = newMessageId();
      ids.push(id);
      const doc: Record<string, unknown> = { s, i: id, e: message.event, p: message.payload };
      if (message.senderId !== null) doc.f = message.senderId;
      if (message.clientMessageId !== null) doc.c = message.clientMessageId;
      if (message.expiresAt !== null) {
        doc.x = message.expiresAt;
        if (nextExpiry === null || message.expiresAt < nextExpiry) nextExpiry = message.expiresAt;
      }
      messageDocs.push(doc);
    }
    const doc: Record<string, unknown> = { k: key, ns: group.namespace, r: group.room, e: newEpoch(), n: group.messages.length };
    if (nextExpiry !== null) doc.x = nextExpiry;
    streamDocs.push(doc);
  });
  const { now, maxCount, cutoff, sweepLimit } = settings;
  return [JSON.stringify(streamDocs), JSON.stringify(messageDocs), now, maxCount, cutoff, sweepLimit, own];
}

/** Results by input index from the routine's rows; `ids` are the ids the parameters carried, by position. */
export function routineResults(
  streams: readonly KeyedStream[],
  rows: readonly RoutineRow[],
  ids: readonly string[],
  now: number,
): Map<number, AppendResult> {
  const messages: PreparedMessage[] = [];
  for (const { group } of streams) for (const message of group.messages) messages.push(message);
  const results = new Map<number, AppendResult>();
  for (const row of rows) {
    const ord = toNumber(row.ord);
    const message = messages[ord - 1];
    if (message === undefined) throw new Error(`the append routine returned an unknown position ${ord}`);
    const ref = { namespace: message.namespace, room: message.room };
    if (row.duplicate === true || Number(row.duplicate) === 1) {
      results.set(message.index, { message: toStoredMessage(ref, row.epoch, row as MessageRow), duplicate: true });
      continue;
    }
    const entry = newEntry(message, toNumber(row.seq), ids[ord - 1]!, now);
    results.set(message.index, {
      message: storedMessage(
        BACKEND,
        ref,
        row.epoch,
        { ...entry, version: 1, editedAt: null, deletedAt: null },
        appendedData(message, BACKEND),
      ),
      duplicate: false,
    });
  }
  if (results.size !== messages.length) throw new Error(`the append routine answered ${results.size} of ${messages.length} messages`);
  return results;
}
