/**
 * Failures map to RoomlogError codes with the driver error as `cause`: a killed connection
 * (`57P01`), a refused connection, a statement timeout and a serialization failure are all
 * `UNAVAILABLE`, and the store recovers once the database is reachable again.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { NewMessage, StreamRef } from '@roomlog/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from '../src/index';
import { newPool, testDatabase } from './fixtures';

const db = testDatabase();
afterAll(() => db.drop());

function stream(): StreamRef {
  return { namespace: '/errors', room: `room-${randomUUID()}` };
}

function one(ref: StreamRef, data: unknown = null): NewMessage[] {
  return [{ ...ref, event: 'chat', data }];
}

/** Holds the counter row of `ref` in an open transaction until `release()` commits it. */
async function holdStream(ref: StreamRef) {
  const store = await db.store();
  const client = await db.pool.connect();
  await client.query('BEGIN');
  await store.append(one(ref, 'holder'), { client });
  let open = true;
  return {
    /** Commits (or, after a failed test, rolls back) and returns the client; idempotent. */
    release: async (outcome: 'COMMIT' | 'ROLLBACK' = 'COMMIT') => {
      if (!open) return;
      open = false;
      await client.query(outcome);
      client.release();
    },
  };
}

/** Polls until a backend of `applicationName` waits on a lock; returns its pid. */
async function waitingBackend(applicationName: string): Promise<number> {
  for (;;) {
    const { rows } = await db.pool.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
      [applicationName],
    );
    if (rows[0]) return rows[0].pid;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('errors', () => {
  it('rejects UNAVAILABLE when its connection is killed mid-append, then recovers', async () => {
    await db.store();
    const applicationName = `roomlog-kill-${randomUUID().slice(0, 8)}`;
    const pool = newPool({ max: 1, application_name: applicationName });
    const store = db.storeOn(pool);
    const ref = stream();
    const holder = await holdStream(ref);
    try {
      const pending = store.append(one(ref, 'killed'));
      const pid = await waitingBackend(applicationName);
      await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
      const error = await pending.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({
        name: 'RoomlogError',
        code: 'UNAVAILABLE',
        message: expect.stringMatching(/^\[roomlog\] \[postgres\] /),
        cause: expect.objectContaining({ code: '57P01' }),
      });
      await holder.release();
      // The pool replaces the dead connection; the retry lands right after the holder's message.
      const [retried] = await store.append(one(ref, 'retried'));
      expect(retried!.message.seq).toBe(2);
      expect((await store.read(ref)).messages.map((m) => m.data)).toEqual(['holder', 'retried']);
    } finally {
      await holder.release('ROLLBACK');
      await pool.end();
    }
  });

  it('rejects UNAVAILABLE when the server refuses the connection', async () => {
    const pool = newPool({ host: '127.0.0.1', port: await closedPort(), connectionString: undefined, user: 'postgres' });
    const store = createPostgresStore(pool);
    try {
      await expect(store.append(one(stream()))).rejects.toMatchObject({
        code: 'UNAVAILABLE',
        cause: expect.objectContaining({ code: 'ECONNREFUSED' }),
      });
      await expect(store.read(stream())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      await pool.end();
    }
  });

  it('rejects UNAVAILABLE on a statement timeout, and nothing is stored', async () => {
    await db.store();
    const pool = newPool({ max: 1, statement_timeout: 200 });
    const store = db.storeOn(pool);
    const ref = stream();
    const holder = await holdStream(ref);
    try {
      await expect(store.append(one(ref, 'late'))).rejects.toMatchObject({
        code: 'UNAVAILABLE',
        cause: expect.objectContaining({ code: '57014' }),
      });
      await holder.release();
      expect((await store.read(ref)).messages.map((m) => m.data)).toEqual(['holder']);
    } finally {
      await holder.release('ROLLBACK');
      await pool.end();
    }
  });

  it('rejects UNAVAILABLE on a serialization failure in the caller’s REPEATABLE READ transaction', async () => {
    const store = await db.store();
    const ref = stream();
    await store.append(one(ref, 'first'));
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await client.query('SELECT 1'); // takes the snapshot
      await store.append(one(ref, 'concurrent'));
      await expect(store.append(one(ref, 'in tx'), { client })).rejects.toMatchObject({
        code: 'UNAVAILABLE',
        cause: expect.objectContaining({ code: '40001' }),
      });
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
    expect((await store.head(ref))?.seq).toBe(2);
  });
});
