/**
 * What the reads and writes of one store share: its collections, the connected server and the
 * resolved options.
 */
import type { mongo } from 'mongoose';
import type { MessageDocument, StreamDocument } from './documents';
import type { ResolvedMongoOptions } from './options';
import type { Server } from './server';

/** One store's collections, server and options. */
export interface StoreContext {
  messages: mongo.Collection<MessageDocument>;
  streams: mongo.Collection<StreamDocument>;
  server: Server;
  options: ResolvedMongoOptions;
}
