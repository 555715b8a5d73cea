/**
 * Schema changes for databases created by an earlier version, appended to the schema script
 * (`schema.sql.ts`), so `migrate()` and `migrationSql()` bring any earlier schema up to date.
 * Each one checks the catalog first and changes nothing when it is already applied, and each
 * is safe on a live table: it takes its lock for a catalog change only, never a table rewrite.
 */
import type { TableNames } from './options';

/**
 * How long an upgrade waits for its table lock before giving up (the migration then rejects
 * with `lock_not_available` and can simply be run again). `ALTER TABLE` needs an exclusive
 * lock, however brief the change; while it waits behind a long transaction every append would
 * queue behind it, so it waits no longer than this.
 */
export const UPGRADE_LOCK_TIMEOUT = '5s';

/** A text literal. */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * `messages.source_id`: the original id of an imported entry whose id is not a UUID in
 * PostgreSQL's own spelling (a Redis id `<epoch>:<seq>`, an ObjectId, an uppercase UUID). The
 * `id` column stays `uuid` (a name-based UUID of the original, so imports stay idempotent);
 * reads return `coalesce(source_id, id::text)`, so the id survives the move byte for byte.
 * Adding a nullable column without a default is a catalog change: no rewrite, no backfill,
 * and rows written before it read as they always did.
 */
function sourceIdColumn(t: TableNames): string {
  return `DO $roomlog_upgrade$
DECLARE
  v_timeout text := current_setting('lock_timeout');
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_attribute
    WHERE attrelid = to_regclass(${literal(t.messages)}) AND attname = 'source_id' AND NOT attisdropped
  ) THEN
    PERFORM set_config('lock_timeout', ${literal(UPGRADE_LOCK_TIMEOUT)}, true);
    ALTER TABLE ${t.messages} ADD COLUMN source_id text;
    PERFORM set_config('lock_timeout', v_timeout, true);
  END IF;
END
$roomlog_upgrade$;`;
}

/** Every upgrade, in the order they were introduced. */
export function upgradesSql(t: TableNames): string {
  return sourceIdColumn(t);
}

/** The columns added by upgrades, as `[table, column]`, for the readiness check. */
export function upgradedColumns(t: TableNames): [string, string][] {
  return [[t.messages, 'source_id']];
}
