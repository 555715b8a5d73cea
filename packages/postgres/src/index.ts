/**
 * `@roomlog/postgres`: the Roomlog store on PostgreSQL through your `pg` pool.
 */
export { PostgresMessageStore, createPostgresStore, type PostgresAppendOptions } from './store';
export { migrationSql } from './schema.sql';
export type { PostgresStoreOptions } from './options';
