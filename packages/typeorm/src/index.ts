/**
 * `@roomlog/typeorm`: a Roomlog backend on TypeORM for teams that manage their schema with it.
 * PostgreSQL, MySQL/MariaDB and SQLite (sql.js).
 */
export { TypeormMessageStore, createTypeormStore } from './store';
export type { TypeormStoreOptions, TypeormAppendOptions } from './options';
export { roomlogEntities, RoomlogStreamRow, RoomlogMessageRow, RoomlogCursorRow } from './entities';
export {
  RoomlogSchema1764316800000,
  RoomlogSourceIds1764547200000,
  RoomlogAppendRoutine1764633600000,
  roomlogMigrations,
} from './migration';
export type { SupportedDriverType } from './dialect';
export { atomicSqljsSave } from './sqljs-file';
