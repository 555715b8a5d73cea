/** Walking a store page by page: every stream, every entry of a stream, in bounded memory. */
import { type CursorInfo, type MessageStore, RoomlogError, type StoredMessage, type StreamInfo, type StreamRef } from '@roomlog/core';

/** Largest page the contract allows; fewer round trips per entry. */
export const PAGE = 1000;

/** Rejects with `UNSUPPORTED` when `store` cannot do what the command needs. */
export function requireMethod<K extends 'listStreams' | 'dropStream' | 'importEntries'>(
  store: MessageStore,
  method: K,
  what: string,
): NonNullable<MessageStore[K]> {
  const found = store[method];
  if (typeof found !== 'function') {
    throw new RoomlogError('UNSUPPORTED', `the ${store.name} store cannot ${what} (it has no ${method})`, {
      backend: 'cli',
      cause: new Error(`${method} missing`),
    });
  }
  return found.bind(store) as NonNullable<MessageStore[K]>;
}

/** What a walk over every stream passed over: streams the store holds without their names. */
export interface StreamTally {
  unnamed: number;
}

/**
 * Every stream of the store (of `namespace` only, when given), one page at a time. A listing
 * may name a stream twice (Redis `SCAN`); every command using this is correct under that
 * (export and import are idempotent, prune re-reads the head before it drops).
 * @param tally - counts the streams the store could not name (see `StreamList.unnamed`).
 */
export async function* allStreams(store: MessageStore, namespace?: string, tally?: StreamTally): AsyncGenerator<StreamInfo> {
  const list = requireMethod(store, 'listStreams', 'list its streams');
  let after: string | undefined;
  for (;;) {
    const page = await list({ after, limit: PAGE });
    if (tally !== undefined) tally.unnamed += page.unnamed ?? 0;
    for (const stream of page.streams) if (namespace === undefined || stream.namespace === namespace) yield stream;
    if (page.next === null) return;
    after = page.next;
  }
}

/** Every retained entry of a stream above seq `after`, in ascending seq. */
export async function* entriesOf(store: MessageStore, stream: StreamRef, after = 0): AsyncGenerator<StoredMessage> {
  let position = after;
  for (;;) {
    const page = await store.read(stream, { after: position, limit: PAGE });
    for (const message of page.messages) yield message;
    const last = page.messages.at(-1);
    if (!page.hasMore || !last) return;
    position = last.seq;
  }
}

/** Every read marker of a stream (the store must have `listCursors`), one page at a time. */
export async function* cursorsOf(store: MessageStore, stream: StreamRef): AsyncGenerator<CursorInfo> {
  let after: string | undefined;
  for (;;) {
    const page = await store.listCursors!(stream, { after, limit: PAGE });
    yield* page.cursors;
    if (page.next === null) return;
    after = page.next;
  }
}

/** The note a command prints when a walk passed over streams it could not name. */
export function unnamedNote(store: MessageStore, tally: StreamTally): string | null {
  if (tally.unnamed === 0) return null;
  const streams = `${tally.unnamed} stream${tally.unnamed === 1 ? '' : 's'}`;
  return `note: ${streams} of this ${store.name} store ${tally.unnamed === 1 ? 'has' : 'have'} no stored name (last written by an older version) and ${tally.unnamed === 1 ? 'was' : 'were'} left out; name them with "roomlog name" (see roomlog name --help)`;
}
