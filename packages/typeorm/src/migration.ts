/**
 * The ready-made migration that creates Roomlog's tables, so production never needs
 * `synchronize`. It builds the tables from the same definitions as the entities, through
 * TypeORM's schema API, so it writes the right DDL for whichever driver runs it.
 */
import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';
import { dialectOf } from './dialect';
import { TABLES, type TableDefinition, columnType } from './tables';

/** The table's name in this DataSource: the base name with the DataSource's `entityPrefix`. */
function tableName(queryRunner: QueryRunner, table: TableDefinition): string {
  return `${queryRunner.connection.options.entityPrefix ?? ''}${table.name}`;
}

function toTable(queryRunner: QueryRunner, table: TableDefinition): Table {
  const dialect = dialectOf(queryRunner.connection.options.type);
  return new Table({
    name: tableName(queryRunner, table),
    columns: table.columns.map((column) => ({
      name: column.name,
      ...columnType(dialect, column.kind),
      isNullable: column.nullable ?? false,
      isPrimary: column.primary ?? false,
    })),
    indices: table.indices.map((index) => ({ name: index.name, columnNames: index.columns, isUnique: index.unique ?? false })),
  });
}

/**
 * Creates (`up`) or drops (`down`) the `roomlog_streams`, `roomlog_messages` and
 * `roomlog_cursors` tables. Add it to your DataSource's `migrations` next to your own.
 * Works on PostgreSQL (in the DataSource's `schema`), MySQL/MariaDB and sql.js.
 */
export class RoomlogSchema1764316800000 implements MigrationInterface {
  /** TypeORM orders migrations by the timestamp at the end of this name. */
  readonly name = 'RoomlogSchema1764316800000';

  /** Creates the tables and their indexes (skipping tables that already exist). */
  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await queryRunner.createTable(toTable(queryRunner, table), true, false, true);
    }
  }

  /** Drops the tables and everything in them. */
  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [...TABLES].reverse()) {
      await queryRunner.dropTable(tableName(queryRunner, table), true);
    }
  }
}
