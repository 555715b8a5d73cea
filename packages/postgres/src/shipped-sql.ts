/** The text of `sql/roomlog.sql`, the migration shipped for external migration tools. */
import { tableNames } from './options';
import { migrationSql } from './schema.sql';

/** `sql/roomlog.sql`: {@link migrationSql} for the default schema and prefix, with a header. */
export function shippedSql(): string {
  return `-- Roomlog PostgreSQL schema for schema "public" and table prefix "roomlog_".
-- Generated from @roomlog/postgres (migrationSql()); do not edit by hand.
-- Idempotent. Run it in one transaction; for another schema or prefix call
-- migrationSql({ schema, tablePrefix }) or store.migrate() instead.
BEGIN;
SELECT pg_advisory_xact_lock(hashtextextended('${tableNames().lockKey}', 0));
${migrationSql()}
COMMIT;
`;
}
