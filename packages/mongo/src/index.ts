/**
 * `@roomlog/mongo`: the Roomlog message store on MongoDB, through the app's mongoose connection.
 */
export { MongoMessageStore, createMongoStore } from './store';
export type { MongoStoreOptions } from './options';
export type { RoomlogModels } from './schema';
export type { MessageDocument, CursorDocument } from './documents';
export { classifyMongoError } from './errors';
