/**
 * Transactional append: `append(batch, { manager })` commits and rolls back with the caller's
 * own writes, on every engine.
 */
import { randomUUID } from 'node:crypto';
import { isRoomlogError } from '@roomlog/core';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TypeormMessageStore, createTypeormStore } from '../src/index';
import { type Engine, mariadbEngine, postgresEngine, sqljsEngine } from './fixtures';

const engines: [string, () => Engine | Promise<Engine>][] = [
  ['postgres', postgresEngine],
  ['mariadb', mariadbEngine],
  ['sqljs', sqljsEngine],
];

describe.each(engines)('transactional append on %s', (name, makeEngine) => {
  let engine: Engine;
  let dataSource: DataSource;
  let store: TypeormMessageStore;
  /** The application's own table, next to Roomlog's. */
  let orders: string;

  beforeAll(async () => {
    engine = await makeEngine();
    dataSource = await engine.open();
    store = createTypeormStore(dataSource);
    const schema = (dataSource.options as { schema?: string }).schema;
    orders = schema === undefined ? 'app_orders' : `${dataSource.driver.escape(schema)}.app_orders`;
    await dataSource.query(`CREATE TABLE ${orders} (id varchar(64) PRIMARY KEY)`);
  });

  afterAll(async () => {
    await store?.close();
    await engine?.cleanup();
  });

  const stream = () => ({ namespace: '/tx', room: `order-${randomUUID()}` });
  const orderExists = async (id: string) => (await dataSource.query(`SELECT id FROM ${orders} WHERE id = '${id}'`)).length === 1;

  it('commits the messages together with the caller’s own writes', async () => {
    const room = stream();
    const orderId = randomUUID();
    const results = await dataSource.transaction(async (manager) => {
      await manager.query(`INSERT INTO ${orders} (id) VALUES ('${orderId}')`);
      return store.append([{ ...room, event: 'order:placed', data: { orderId } }], { manager });
    });
    expect(results[0]?.message.seq).toBe(1);
    expect(await orderExists(orderId)).toBe(true);
    const { messages, head } = await store.read(room);
    expect(messages.map((m) => m.data)).toEqual([{ orderId }]);
    expect(head?.seq).toBe(1);
  });

  it('rolls back with the caller: no message, no counter, and the next append starts at seq 1', async () => {
    const room = stream();
    const orderId = randomUUID();
    const failure = new Error('payment declined');
    await expect(
      dataSource.transaction(async (manager) => {
        await manager.query(`INSERT INTO ${orders} (id) VALUES ('${orderId}')`);
        await store.append([{ ...room, event: 'order:placed', data: { orderId }, clientMessageId: orderId }], { manager });
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await orderExists(orderId)).toBe(false);
    expect(await store.head(room)).toBeNull();
    // The idempotency key was rolled back too: a retry is stored, not reported as a duplicate.
    const [retry] = await store.append([{ ...room, event: 'order:placed', data: { orderId }, clientMessageId: orderId }]);
    expect(retry).toMatchObject({ duplicate: false, message: { seq: 1 } });
  });

  it.skipIf(name === 'sqljs')('other nodes see the messages only once the caller commits', async () => {
    const room = stream();
    const otherNode = createTypeormStore(await engine.open());
    try {
      await dataSource.transaction(async (manager) => {
        await store.append([{ ...room, event: 'chat', data: 1 }], { manager });
        expect(await otherNode.head(room)).toBeNull();
      });
      expect((await otherNode.head(room))?.seq).toBe(1);
    } finally {
      await otherNode.close();
    }
  });

  it('refuses a manager that is not in a transaction, and writes nothing', async () => {
    const room = stream();
    const error = await store.append([{ ...room, event: 'chat', data: 1 }], { manager: dataSource.manager }).catch((e: unknown) => e);
    expect(isRoomlogError(error) && error.code).toBe('INVALID_ARGUMENT');
    expect(await store.head(room)).toBeNull();
  });
});
