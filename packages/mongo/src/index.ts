/**
 * `@roomlog/mongo`: the Roomlog message store on MongoDB, through the app's mongoose connection.
 */
export { MongoMessageStore, createMongoStore, type InitReport } from './store';
export type { MongoStoreOptions, MongoStrategy } from './options';
export type { RoomlogModels } from './schema';
export type { MessageDocument, CursorDocument } from './documents';
export { classifyMongoError } from './errors';
