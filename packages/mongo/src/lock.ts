/**
 * A short lease serializing edits and deletes of one message across nodes. MongoDB alone would
 * not need it (the version compare-and-set in the update is atomic there), but FerretDB v1
 * applies updates as read-modify-write without isolation, so two concurrent edits could both
 * claim the same version. A lease is an insert with a unique `_id`, atomic on both servers.
 */
import { randomUUID } from 'node:crypto';
import { RoomlogError, backoff } from '@roomlog/core';
import type { mongo } from 'mongoose';
import type { LockDocument } from './documents';
import { BACKEND } from './options';

/**
 * How long a lease is honoured, in wall-clock ms (not the store's `now`, which tests move by
 * hand): a node that crashed holding one blocks that message's edits for at most this long.
 */
const LEASE_MS = 5_000;
/** How long a caller waits for a held lease before giving up with `UNAVAILABLE`. */
const WAIT_MS = 15_000;

/** Runs `body` while holding the lease `key`. */
export async function withLease<T>(locks: mongo.Collection<LockDocument>, key: string, body: () => Promise<T>): Promise<T> {
  const token = randomUUID();
  const giveUpAt = Date.now() + WAIT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      await locks.insertOne({ _id: key, token, expiresAt: Date.now() + LEASE_MS });
      break;
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code !== 11000) throw error;
    }
    const held = await locks.findOne({ _id: key });
    if (held && held.expiresAt <= Date.now()) {
      // Its holder crashed: break the lease (only that holder's, by token) and try again.
      await locks.deleteOne({ _id: key, token: { $eq: held.token } });
      continue;
    }
    if (Date.now() >= giveUpAt) {
      throw new RoomlogError('UNAVAILABLE', 'another node kept this message locked for too long; retry', {
        backend: BACKEND,
        cause: new Error(`lease ${key} held`),
      });
    }
    await backoff(attempt, { baseMs: 2 });
  }
  try {
    return await body();
  } finally {
    await locks.deleteOne({ _id: key, token: { $eq: token } });
  }
}
