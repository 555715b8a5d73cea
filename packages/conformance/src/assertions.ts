/** Assertions shared by the groups: error shape (rule 11) and "nothing was written" (rule 1). */
import type { MessageStore, RoomlogErrorCode, StreamRef } from '@roomlog/core';
import { expect } from 'vitest';

/** The fields of a rejected RoomlogError the suite checks. */
export interface CheckedError {
  name: string;
  code: string;
  message: string;
  cause: unknown;
}

/**
 * Asserts that `action` rejects with a RoomlogError of `code` from `store`, checked by shape
 * (name, code, `[roomlog] [<store.name>]` prefix, cause set), never by `instanceof`.
 *
 * @param label - names the call in failure messages, e.g. `'edit of a deleted message'`.
 * @returns the error, for further checks.
 */
export async function expectRoomlogError(
  store: MessageStore,
  code: RoomlogErrorCode,
  action: () => Promise<unknown>,
  label = 'the call',
): Promise<CheckedError> {
  let rejected: unknown;
  let didReject = false;
  let pending: Promise<unknown>;
  try {
    pending = action();
  } catch (error) {
    // Rule 11: a store method never throws; a caller doing `store.read(x).catch(...)` would crash.
    expect.fail(`${label}: threw synchronously (${String(error)}) instead of returning a rejected promise (rule 11)`);
  }
  expect(typeof (pending as { then?: unknown } | undefined)?.then, `${label}: did not return a promise (rule 11)`).toBe('function');
  try {
    await pending;
  } catch (error) {
    didReject = true;
    rejected = error;
  }
  expect(didReject, `${label}: expected a rejection with ${code}, but it resolved`).toBe(true);
  expect(rejected, `${label}: expected a RoomlogError, got ${typeof rejected}: ${String(rejected)}`).toBeInstanceOf(Object);
  const error = rejected as CheckedError;
  expect(error.name, `${label}: not a RoomlogError: ${String(rejected)}`).toBe('RoomlogError');
  expect(error.code, `${label}: ${error.message}`).toBe(code);
  expect(error.message.startsWith(`[roomlog] [${store.name}] `), `${label}: message lacks the prefix: ${error.message}`).toBe(true);
  expect(error.cause, `${label}: RoomlogError without cause`).toBeDefined();
  return error;
}

/** Asserts that a stream was never written: `head` is `null` and a read is empty. */
export async function expectNothingWritten(store: MessageStore, stream: StreamRef): Promise<void> {
  expect(await store.head(stream)).toBeNull();
  expect((await store.read(stream)).messages).toEqual([]);
}

/** The seqs of a list of messages. */
export function seqs(list: readonly { seq: number }[]): number[] {
  return list.map((m) => m.seq);
}

/** `[from, from + 1, ..., to]`. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
