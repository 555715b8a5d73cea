/**
 * The server stopped mid-run: calls reject `UNAVAILABLE` within a bounded time (driven by the
 * connection's `serverSelectionTimeoutMS`), and the store recovers, data intact, once the server
 * is back on the same port and data directory. Uses a FerretDB of its own, never the shared one.
 */
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MongoMessageStore, createMongoStore } from '../src';
import { type PrivateFerretDB, privateFerretDB } from './ferretdb';
import { connect, randomDatabaseName } from './server';

/** What the test configures, and what the docs tell users to set: how long a call waits for a server. */
const SERVER_SELECTION_TIMEOUT_MS = 1500;

describe('server outage', () => {
  let server: PrivateFerretDB;
  let connection: Connection;
  let store: MongoMessageStore;
  const stream = { namespace: '/', room: 'outage' };

  beforeAll(async () => {
    server = await privateFerretDB();
    await server.start();
    connection = await connect(randomDatabaseName(), server.url, SERVER_SELECTION_TIMEOUT_MS, 500);
    store = createMongoStore(connection);
    await store.init();
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await connection?.close();
    await server?.remove();
  });

  it('rejects UNAVAILABLE within the selection timeout while down, then recovers with the data intact', async () => {
    const [before] = await store.append([{ ...stream, event: 'e', data: 'before', clientMessageId: 'a' }]);
    await server.stop();

    for (const call of [() => store.append([{ ...stream, event: 'e', data: 'during', clientMessageId: 'b' }]), () => store.read(stream)]) {
      const started = performance.now();
      const error = await call().then(
        () => null,
        (e: unknown) => e,
      );
      const elapsed = performance.now() - started;
      expect(error).toMatchObject({ name: 'RoomlogError', code: 'UNAVAILABLE', backend: 'mongo' });
      expect((error as Error).message).toMatch(/^\[roomlog\] \[mongo\] /);
      expect((error as Error).cause).toBeDefined();
      expect(elapsed).toBeLessThan(SERVER_SELECTION_TIMEOUT_MS + 3000);
    }

    await server.start();
    // The driver reconnects on its own; poll until a call goes through.
    let page = null;
    while (page === null) page = await store.read(stream).catch(() => null);
    expect(page.messages.map((m) => m.data)).toEqual(['before']);
    // The retry of the append that failed is safe and continues the stream gaplessly.
    const [retried] = await store.append([{ ...stream, event: 'e', data: 'during', clientMessageId: 'b' }]);
    expect(retried?.message).toMatchObject({ seq: 2, epoch: before!.message.epoch });
  }, 120_000);
});
