/**
 * Where Roomlog's tables and its append routine live in a DataSource, as escaped paths. The
 * store and the migration both ask here, so the routine the migration installs refers to the
 * very tables the store reads, and the store calls it by the name the migration gave it.
 */
import type { DataSource } from 'typeorm';
import { RoomlogCursorRow, RoomlogMessageRow, RoomlogStreamRow } from './entities';
import type { TableNames } from './queries.sql';
import { TABLE_NAMES } from './tables';

/**
 * Base name of the append routine (PostgreSQL function, MariaDB/MySQL procedure), before the
 * DataSource's `entityPrefix`. The version suffix lets a later release install a routine with
 * other parameters beside this one, so nodes of both releases run at once during an upgrade.
 */
export const APPEND_ROUTINE = 'roomlog_append_v1';

/** {@link TableNames} plus the append routine, in the streams table's schema (or database). */
export interface RoomlogPaths extends TableNames {
  /** The routine's escaped path. */
  append: string;
  /** Its schema (PostgreSQL) or database (MySQL) as written in the path, `null` for the connection's current one. */
  appendSchema: string | null;
  /** Its unescaped name. */
  appendName: string;
  /** MariaDB/MySQL: the escaped name of the procedure's session-local work table. */
  appendWork: string;
}

/**
 * The escaped paths of Roomlog's tables and routine in `dataSource`: from the entities'
 * metadata when the DataSource has them (so its `schema`, `database` and `entityPrefix`
 * apply exactly as TypeORM applies them), otherwise from its options, as the table migration
 * names them.
 */
export function roomlogPaths(dataSource: DataSource): RoomlogPaths {
  const quote = (path: string) =>
    path
      .split('.')
      .map((part) => dataSource.driver.escape(part))
      .join('.');
  const prefix = dataSource.options.entityPrefix ?? '';
  const schema = (dataSource.options as { schema?: string }).schema;
  const pathOf = (target: new () => unknown, base: string): string => {
    if (dataSource.hasMetadata(target)) return dataSource.getMetadata(target).tablePath;
    return schema === undefined || dataSource.options.type !== 'postgres' ? `${prefix}${base}` : `${schema}.${prefix}${base}`;
  };
  const streams = pathOf(RoomlogStreamRow, TABLE_NAMES.streams);
  // Same qualification as the streams table: the routine sits next to it.
  const qualifier = streams.split('.').slice(0, -1);
  const appendName = `${prefix}${APPEND_ROUTINE}`;
  return {
    streams: quote(streams),
    messages: quote(pathOf(RoomlogMessageRow, TABLE_NAMES.messages)),
    cursors: quote(pathOf(RoomlogCursorRow, TABLE_NAMES.cursors)),
    append: quote([...qualifier, appendName].join('.')),
    appendSchema: qualifier.length === 0 ? null : qualifier.join('.'),
    appendName,
    appendWork: dataSource.driver.escape(`${appendName}_work`),
  };
}
