/**
 * The ready-made migration that creates Roomlog's tables, so production never needs
 * `synchronize`. It builds the tables from the same definitions as the entities, through
 * TypeORM's schema API, so it writes the right DDL for whichever driver runs it.
 */
import { type MigrationInterface, type QueryRunner, Table, TableColumn } from 'typeorm';
import { mysqlAppendProcedure, mysqlDropAppendProcedure, postgresAppendFunction, postgresDropAppendFunction } from './append-routine.sql';
import { dialectOf } from './dialect';
import { roomlogPaths } from './table-paths';
import { MESSAGES_TABLE, TABLES, type TableDefinition, columnType } from './tables';

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

/** How long {@link RoomlogSourceIds1764547200000} waits for its table lock, in seconds. */
const LOCK_WAIT_SECONDS = 5;

/**
 * Adds `roomlog_messages.source_id` (the original id of an imported entry that is not a UUID)
 * to tables created before it existed; a database created by {@link RoomlogSchema1764316800000}
 * since has it already, and then this does nothing. A nullable column without a default is a
 * catalog change on PostgreSQL and MariaDB/MySQL (no table rewrite), so it is safe on a live
 * table; it waits at most 5 s for its lock (behind a long transaction, every write would queue
 * behind the waiting ALTER) and otherwise fails, to be run again. On SQLite TypeORM rebuilds
 * the table, which is fine for the development databases sql.js holds.
 */
export class RoomlogSourceIds1764547200000 implements MigrationInterface {
  /** TypeORM orders migrations by the timestamp at the end of this name. */
  readonly name = 'RoomlogSourceIds1764547200000';

  /** Adds the column unless it is there. */
  async up(queryRunner: QueryRunner): Promise<void> {
    const table = tableName(queryRunner, MESSAGES_TABLE);
    if (await queryRunner.hasColumn(table, 'source_id')) return;
    const dialect = dialectOf(queryRunner.connection.options.type);
    const column = new TableColumn({ name: 'source_id', ...columnType(dialect, 'id'), isNullable: true });
    if (dialect === 'postgres') {
      // Transaction-local: TypeORM runs migrations in a transaction by default.
      await queryRunner.query(`SET LOCAL lock_timeout = '${LOCK_WAIT_SECONDS}s'`);
      await queryRunner.addColumn(table, column);
    } else if (dialect === 'mysql') {
      const [{ previous }] = (await queryRunner.query('SELECT @@SESSION.lock_wait_timeout AS previous')) as [{ previous: number }];
      await queryRunner.query(`SET SESSION lock_wait_timeout = ${LOCK_WAIT_SECONDS}`);
      try {
        await queryRunner.addColumn(table, column);
      } finally {
        await queryRunner.query(`SET SESSION lock_wait_timeout = ${Number(previous)}`);
      }
    } else {
      await queryRunner.addColumn(table, column);
    }
  }

  /** Drops the column (imported entries then read back under their derived UUIDs). */
  async down(queryRunner: QueryRunner): Promise<void> {
    const table = tableName(queryRunner, MESSAGES_TABLE);
    if (await queryRunner.hasColumn(table, 'source_id')) await queryRunner.dropColumn(table, 'source_id');
  }
}

/**
 * Installs the append routine (`append-routine.sql.ts`): on PostgreSQL a PL/pgSQL function,
 * on MariaDB/MySQL a stored procedure, named `<entityPrefix>roomlog_append_v1` next to the
 * tables, with their names written into its body. With it a batch is one round trip; without
 * it (`synchronize`, or before this migration ran) the store keeps to its statements, on the
 * same tables, so nodes with and without it run side by side. Nothing on sql.js, which is
 * in-process. Needs the `CREATE ROUTINE` privilege on MariaDB/MySQL.
 */
export class RoomlogAppendRoutine1764633600000 implements MigrationInterface {
  /** TypeORM orders migrations by the timestamp at the end of this name. */
  readonly name = 'RoomlogAppendRoutine1764633600000';

  /** Creates or replaces the routine. */
  async up(queryRunner: QueryRunner): Promise<void> {
    const dialect = dialectOf(queryRunner.connection.options.type);
    const paths = roomlogPaths(queryRunner.connection);
    if (dialect === 'postgres') {
      await queryRunner.query(postgresAppendFunction(paths));
    } else if (dialect === 'mysql') {
      // No CREATE OR REPLACE PROCEDURE on MySQL; a node calling it in between falls back (see the store).
      await queryRunner.query(mysqlDropAppendProcedure(paths));
      await queryRunner.query(mysqlAppendProcedure(paths));
    }
  }

  /** Drops the routine; stores then append statement by statement again. */
  async down(queryRunner: QueryRunner): Promise<void> {
    const dialect = dialectOf(queryRunner.connection.options.type);
    const paths = roomlogPaths(queryRunner.connection);
    if (dialect === 'postgres') await queryRunner.query(postgresDropAppendFunction(paths));
    else if (dialect === 'mysql') await queryRunner.query(mysqlDropAppendProcedure(paths));
  }
}

/** Every Roomlog migration, in order: give this to your DataSource's `migrations`. */
export const roomlogMigrations: (new () => MigrationInterface)[] = [
  RoomlogSchema1764316800000,
  RoomlogSourceIds1764547200000,
  RoomlogAppendRoutine1764633600000,
];
