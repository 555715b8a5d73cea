/**
 * Transactional append: with `{ client }` the message is stored if and only if the caller's
 * own transaction commits, together with the caller's business write.
 */
import { randomUUID } from 'node:crypto';
import type { StreamRef } from '@roomlog/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from './fixtures';

const db = testDatabase();
const orders = `"${db.schema}".orders`;

beforeAll(async () => {
  await db.store();
  await db.pool.query(`CREATE TABLE ${orders} (id text PRIMARY KEY)`);
});
afterAll(() => db.drop());

function stream(): StreamRef {
  return { namespace: '/shop', room: `order-${randomUUID()}` };
}

/** Places an order and announces it in one transaction, then commits or rolls back. */
async function placeOrder(ref: StreamRef, outcome: 'COMMIT' | 'ROLLBACK') {
  const store = await db.store();
  const before = await store.head(ref);
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`INSERT INTO ${orders} (id) VALUES ($1)`, [ref.room]);
    const [result] = await store.append([{ ...ref, event: 'order:placed', data: { id: ref.room } }], { client });
    // Until the commit, nobody else sees the message.
    expect(await store.head(ref)).toEqual(before);
    await client.query(outcome);
    return result!;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

async function orderExists(id: string): Promise<boolean> {
  const { rowCount } = await db.pool.query(`SELECT 1 FROM ${orders} WHERE id = $1`, [id]);
  return rowCount === 1;
}

describe('transactional append', () => {
  it('stores the message when the caller commits', async () => {
    const ref = stream();
    const result = await placeOrder(ref, 'COMMIT');
    const store = await db.store();
    expect(await orderExists(ref.room)).toBe(true);
    expect((await store.read(ref)).messages).toEqual([result.message]);
  });

  it('stores nothing, and burns no seq, when the caller rolls back', async () => {
    const ref = stream();
    await placeOrder(ref, 'ROLLBACK');
    const store = await db.store();
    expect(await orderExists(ref.room)).toBe(false);
    expect(await store.head(ref)).toBeNull();
    const [next] = await store.append([{ ...ref, event: 'chat', data: 1 }]);
    expect(next!.message.seq).toBe(1);
  });

  it('rolls back with the caller a message appended to an existing stream', async () => {
    const store = await db.store();
    const ref = stream();
    await store.append([{ ...ref, event: 'chat', data: 'before' }]);
    await placeOrder(ref, 'ROLLBACK');
    const after = await store.append([{ ...ref, event: 'chat', data: 'after' }]);
    expect(after[0]!.message.seq).toBe(2);
    expect((await store.read(ref)).messages.map((m) => m.data)).toEqual(['before', 'after']);
  });
});
