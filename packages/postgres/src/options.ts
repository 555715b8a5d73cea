/**
 * Options of the PostgreSQL store, and the table names they resolve to. Schema and table
 * prefix are SQL identifiers, not data: they are checked against a strict pattern and quoted,
 * so no caller-supplied text ever reaches a statement as syntax.
 */
import { type ClientStoreOptions, type ResolvedClientStoreOptions, invalidArgument, resolveClientStoreOptions } from '@roomlog/core';

/** Backend name used in error prefixes: `[roomlog] [postgres]`. */
export const BACKEND = 'postgres';

/** Options of {@link createPostgresStore}. */
export interface PostgresStoreOptions extends ClientStoreOptions {
  /**
   * Schema holding Roomlog's tables (created by `migrate()` when missing). Lowercase letters,
   * digits and `_`, starting with a letter or `_`, at most 63 characters.
   * @default 'public'
   */
  schema?: string | undefined;
  /**
   * Prefix of every table, index and function name, so several tenants or apps can share a
   * schema. Lowercase letters, digits and `_`, starting with a letter or `_`, at most 32
   * characters (PostgreSQL truncates names longer than 63 bytes).
   * @default 'roomlog_'
   */
  tablePrefix?: string | undefined;
}

/** {@link PostgresStoreOptions} with defaults applied and the table names they resolve to. */
export interface ResolvedPostgresOptions extends ResolvedClientStoreOptions {
  tables: TableNames;
}

/**
 * Validates the options and applies defaults.
 * @throws RoomlogError `INVALID_ARGUMENT` for a bad limit, schema or prefix.
 */
export function resolvePostgresOptions(options: PostgresStoreOptions = {}): ResolvedPostgresOptions {
  return { ...resolveClientStoreOptions(BACKEND, options), tables: tableNames(options.schema, options.tablePrefix) };
}

/** The quoted, schema-qualified names of every object Roomlog creates. */
export interface TableNames {
  /** Quoted schema, e.g. `"public"`. */
  schema: string;
  /** Per-stream counter rows: `"public"."roomlog_streams"`. */
  streams: string;
  /** Messages and log entries: `"public"."roomlog_messages"`. */
  messages: string;
  /** Read markers: `"public"."roomlog_cursors"`. */
  cursors: string;
  /**
   * The append function: `"public"."roomlog_append_batch"`. (Releases before it called
   * `roomlog_append`, with more parameters; `migrate()` leaves that one in place so nodes not yet
   * upgraded keep writing during a rolling upgrade. Drop it once every node runs this version.)
   */
  append: string;
  /** Unqualified, quoted index/constraint name for `suffix`, e.g. `"roomlog_messages_sender"`. */
  local(suffix: string): string;
  /**
   * Key of the migration lock: per schema, not per prefix, because tenants with different
   * prefixes in one schema still race on `CREATE SCHEMA`.
   */
  lockKey: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const MAX_SCHEMA_LENGTH = 63;
const MAX_PREFIX_LENGTH = 32;

function checkIdentifier(field: string, value: unknown, maxLength: number, allowEmpty: boolean): string {
  if (typeof value !== 'string') throw invalidArgument(BACKEND, field, 'must be a string');
  if (allowEmpty && value === '') return value;
  if (!IDENTIFIER.test(value) || value.length > maxLength) {
    throw invalidArgument(BACKEND, field, `must match ${IDENTIFIER.source} and be at most ${maxLength} characters`);
  }
  return value;
}

/**
 * Validates schema and prefix and returns the quoted names built from them.
 * @throws RoomlogError `INVALID_ARGUMENT` for a schema or prefix outside the allowed pattern.
 */
export function tableNames(schema: unknown = 'public', tablePrefix: unknown = 'roomlog_'): TableNames {
  const s = checkIdentifier('schema', schema, MAX_SCHEMA_LENGTH, false);
  const p = checkIdentifier('tablePrefix', tablePrefix, MAX_PREFIX_LENGTH, true);
  // Both parts match [a-z0-9_], so wrapping them in double quotes is a complete quoting.
  const qualified = (name: string) => `"${s}"."${p}${name}"`;
  return {
    schema: `"${s}"`,
    streams: qualified('streams'),
    messages: qualified('messages'),
    cursors: qualified('cursors'),
    append: qualified('append_batch'),
    local: (suffix) => `"${p}${suffix}"`,
    lockKey: `roomlog:migrate:${s}`,
  };
}
