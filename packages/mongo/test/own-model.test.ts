/**
 * The user's guide example (docs/backends/mongo.md, "Querying with your own model"), run as
 * written: an app's own read-only mongoose model over Roomlog's messages collection finds
 * messages by a field of `data` and by sender, with an index of the app's own.
 */
import { type Connection, Schema } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MongoMessageStore, createMongoStore } from '../src';
import { connect, dropAndClose, randomDatabaseName } from './server';

describe('querying stored messages with your own model', () => {
  let connection: Connection;
  let store: MongoMessageStore;

  beforeAll(async () => {
    connection = await connect(randomDatabaseName());
    store = createMongoStore(connection);
    await store.init();
  });
  afterAll(async () => {
    await store.close();
    await dropAndClose(connection);
  });

  it('finds messages by data.text and by senderId, newest first, without deleted ones or log entries', async () => {
    const lobby = { namespace: '/', room: 'lobby' };
    await store.append([
      { ...lobby, event: 'chat', data: { text: 'hi', mood: 'happy' }, senderId: 'alice' },
      { ...lobby, event: 'chat', data: { text: 'hello' }, senderId: 'bob' },
      { ...lobby, event: 'chat', data: { text: 'hi' }, senderId: 'bob' },
      { ...lobby, event: 'chat', data: { text: 'bye' }, senderId: 'alice' },
    ]);
    await store.delete(lobby, 4);
    await store.edit(lobby, 2, { text: 'hi again' });

    // --- the example from docs/backends/mongo.md ---
    const chatMessageSchema = new Schema(
      {
        namespace: String,
        room: String,
        seq: Number,
        event: String,
        data: { text: String, mood: String },
        senderId: String,
        kind: String,
        createdAt: Date,
        deletedAt: Date,
      },
      // Roomlog owns the collection: read it, never write it.
      { collection: 'roomlog_messages', autoIndex: false, autoCreate: false, strict: false },
    );
    const ChatMessage = connection.model('ChatMessage', chatMessageSchema);
    await ChatMessage.collection.createIndex({ namespace: 1, room: 1, 'data.text': 1 }, { name: 'app_room_text' });

    const live = { namespace: '/', room: 'lobby', kind: 'message', deletedAt: null };
    const saidHi = await ChatMessage.find({ ...live, 'data.text': 'hi' })
      .sort({ seq: -1 })
      .lean();
    const fromBob = await ChatMessage.find({ ...live, senderId: 'bob' })
      .sort({ seq: -1 })
      .lean();
    const lastHour = await ChatMessage.countDocuments({ ...live, createdAt: { $gte: new Date(Date.now() - 3_600_000) } });
    // --- end of the example ---

    expect(saidHi.map((m) => [m.seq, m.senderId, m.data?.text])).toEqual([
      [3, 'bob', 'hi'],
      [1, 'alice', 'hi'],
    ]);
    expect(fromBob.map((m) => [m.seq, m.data?.text])).toEqual([
      [3, 'hi'],
      [2, 'hi again'],
    ]);
    expect(lastHour).toBe(3);
    // Roomlog's own model answers the same queries.
    expect(await store.models.messageModel.countDocuments({ ...live, 'data.text': 'hi' })).toBe(2);
  });
});
