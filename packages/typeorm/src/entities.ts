/**
 * The entities to add to your DataSource. They are TypeORM `EntitySchema`s built for your
 * driver, because one column cannot be written once for all engines: the payload needs
 * MySQL's LONGTEXT (TEXT stops at 64 KB), which PostgreSQL and SQLite do not know, and MySQL
 * names need a charset and binary collation the others have no notion of.
 * Each schema targets a plain row class, so `dataSource.getRepository(RoomlogMessageRow)`
 * works for your own queries (admin screens, exports).
 */
import { EntitySchema, type EntitySchemaColumnOptions, type ValueTransformer } from 'typeorm';
import { dialectOf, type SupportedDriverType } from './dialect';
import {
  CURSORS_TABLE,
  type ColumnDefinition,
  MESSAGES_TABLE,
  STREAMS_TABLE,
  type TableDefinition,
  columnType,
  isBinaryText,
} from './tables';

/** A stream's counter row (`roomlog_streams`). */
export class RoomlogStreamRow {
  /** sha256 hex of namespace + NUL + room. */
  streamKey!: string;
  namespace!: string;
  room!: string;
  /** See `StreamHead.epoch`. */
  epoch!: string;
  /** Seq of the newest entry. */
  seq!: number;
  /** Earliest TTL expiry (ms since epoch) that may still be stored, or `null`. */
  nextExpiry!: number | null;
}

/** One entry of a stream (`roomlog_messages`). `payload` is the codec's text, `null` once deleted. */
export class RoomlogMessageRow {
  streamKey!: string;
  seq!: number;
  id!: string;
  event!: string;
  payload!: string | null;
  senderId!: string | null;
  clientMessageId!: string | null;
  /** ms since epoch, by the store's clock. */
  createdAt!: number;
  kind!: 'message' | 'edit' | 'delete';
  target!: number | null;
  version!: number;
  editedAt!: number | null;
  deletedAt!: number | null;
  expiresAt!: number | null;
  /** The original id of an imported entry whose id is not a UUID (then `id` is derived from it), else `null`. */
  sourceId!: string | null;
}

/** A read marker (`roomlog_cursors`). */
export class RoomlogCursorRow {
  streamKey!: string;
  userId!: string;
  seq!: number;
}

/** PostgreSQL and MySQL return BIGINT as a string; every value Roomlog stores fits a JS number. */
const bigintAsNumber: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: unknown) => (value === null || value === undefined ? value : Number(value)),
};

/** MySQL returns VARBINARY names and ids as `Buffer`s of UTF-8. */
const bytesAsText: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: unknown) => (Buffer.isBuffer(value) ? value.toString('utf8') : value),
};

function entityColumn(type: SupportedDriverType, column: ColumnDefinition): EntitySchemaColumnOptions {
  const dialect = dialectOf(type);
  const sqlType = columnType(dialect, column.kind);
  return {
    name: column.name,
    type: sqlType.type as EntitySchemaColumnOptions['type'],
    ...(sqlType.length === undefined ? {} : { length: sqlType.length }),
    ...(sqlType.charset === undefined ? {} : { charset: sqlType.charset, collation: sqlType.collation }),
    nullable: column.nullable ?? false,
    primary: column.primary ?? false,
    ...(column.kind === 'bigint' ? { transformer: bigintAsNumber } : {}),
    ...(isBinaryText(dialect, column.kind) ? { transformer: bytesAsText } : {}),
  };
}

function entitySchema<T>(type: SupportedDriverType, target: new () => T, table: TableDefinition): EntitySchema<T> {
  return new EntitySchema<T>({
    name: target.name,
    target,
    tableName: table.name,
    columns: Object.fromEntries(table.columns.map((c) => [c.property, entityColumn(type, c)])) as EntitySchema<T>['options']['columns'],
    indices: table.indices.map((i) => ({ name: i.name, columns: i.columns.map((c) => propertyOf(table, c)), unique: i.unique ?? false })),
  });
}

function propertyOf(table: TableDefinition, column: string): string {
  const found = table.columns.find((c) => c.name === column);
  if (!found) throw new Error(`no column ${column} in ${table.name}`);
  return found.property;
}

/**
 * The Roomlog entities for a DataSource of the given driver type. Add them to your
 * DataSource's `entities`, and {@link RoomlogMigration} to its `migrations`:
 *
 * ```ts
 * new DataSource({ type: 'postgres', entities: [...roomlogEntities('postgres')], migrations: [RoomlogMigration] })
 * ```
 *
 * @param type - the DataSource's `type`: `'postgres'`, `'mysql'`, `'mariadb'` or `'sqljs'`.
 * @throws RoomlogError `UNSUPPORTED` for any other driver.
 */
export function roomlogEntities(type: SupportedDriverType): EntitySchema[] {
  return [
    entitySchema(type, RoomlogStreamRow, STREAMS_TABLE),
    entitySchema(type, RoomlogMessageRow, MESSAGES_TABLE),
    entitySchema(type, RoomlogCursorRow, CURSORS_TABLE),
  ] as EntitySchema[];
}
