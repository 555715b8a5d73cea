/**
 * Writes `sql/roomlog.sql`, the migration for people who run their own migration tool, from
 * the same source `migrate()` uses. `test/migrate.test.ts` fails when the file is stale.
 * Run: `pnpm --filter @roomlog/postgres sql`.
 */
import { writeFileSync } from 'node:fs';
import { shippedSql } from '../src/shipped-sql';

writeFileSync(new URL('../sql/roomlog.sql', import.meta.url), shippedSql());
