/**
 * The three tables, described once. The entity schemas (`entities.ts`) and the migration
 * (`migration.ts`) are both generated from these definitions, so `synchronize` and the
 * migration always produce the same schema.
 */
import type { Dialect } from './dialect';

/** What a column holds; {@link columnType} picks the SQL type for it per dialect. */
type ColumnKind =
  /** sha256 hex of (namespace, room): fixed 64 ASCII characters, the indexed stream id. */
  | 'streamKey'
  /** Namespace, room or event: up to 512 UTF-8 bytes. */
  | 'name'
  /** Sender id, idempotency key or user id: up to 256 UTF-8 bytes, compared byte for byte. */
  | 'id'
  /** A UUID (message id, epoch). */
  | 'uuid'
  /** The codec's text: up to ~1.4 MB for a 1 MiB binary payload (base64). */
  | 'payload'
  /** `message` | `edit` | `delete`. */
  | 'kind'
  /** Seqs and ms-since-epoch timestamps. */
  | 'bigint'
  /** Small counters (`version`). */
  | 'int';

/** One column, independent of the driver. */
export interface ColumnDefinition {
  /** Column name in the database (also the row class's property name, camelCased). */
  name: string;
  /** Property name on the row class. */
  property: string;
  kind: ColumnKind;
  nullable?: boolean;
  primary?: boolean;
}

/** One index. */
export interface IndexDefinition {
  name: string;
  columns: string[];
  unique?: boolean;
}

/** One table. */
export interface TableDefinition {
  /** Table name before the DataSource's `entityPrefix`. */
  name: string;
  columns: ColumnDefinition[];
  indices: IndexDefinition[];
}

/** The SQL type of a column kind on a dialect, with MySQL's charset and collation where it has one. */
export interface ColumnType {
  type: string;
  length?: string;
  charset?: string;
  collation?: string;
}

// MySQL/MariaDB: every text column says its charset, because the database default may be
// latin1. Names and ids are VARBINARY: compared byte for byte, where the default collations
// are case- and accent-insensitive (room 'A' would equal 'a') and even the `_bin` ones ignore
// trailing spaces ('bob' would equal 'bob '). Their lengths are the contract's UTF-8 byte limits.
const MYSQL_ASCII = { charset: 'ascii', collation: 'ascii_bin' } as const;

/** The SQL type for a column kind on a dialect. */
export function columnType(dialect: Dialect, kind: ColumnKind): ColumnType {
  const mysql = dialect === 'mysql';
  switch (kind) {
    case 'streamKey':
      return { type: 'varchar', length: '64', ...(mysql ? MYSQL_ASCII : {}) };
    case 'name':
      return { type: mysql ? 'varbinary' : 'varchar', length: '512' };
    case 'id':
      return { type: mysql ? 'varbinary' : 'varchar', length: '256' };
    case 'uuid':
      return { type: 'varchar', length: '36', ...(mysql ? MYSQL_ASCII : {}) };
    case 'kind':
      return { type: 'varchar', length: '8', ...(mysql ? MYSQL_ASCII : {}) };
    case 'payload':
      // MySQL's TEXT stops at 64 KB; LONGTEXT holds any payload the codec can produce.
      return mysql ? { type: 'longtext', charset: 'utf8mb4', collation: 'utf8mb4_bin' } : { type: 'text' };
    case 'bigint':
      return { type: 'bigint' };
    case 'int':
      return { type: mysql ? 'int' : 'integer' };
  }
}

/** True when the driver returns the column as a `Buffer` (MySQL's VARBINARY names and ids) rather than a string. */
export function isBinaryText(dialect: Dialect, kind: ColumnKind): boolean {
  return dialect === 'mysql' && (kind === 'name' || kind === 'id');
}

/** Base table names, before the DataSource's `entityPrefix`. */
export const TABLE_NAMES = {
  streams: 'roomlog_streams',
  messages: 'roomlog_messages',
  cursors: 'roomlog_cursors',
} as const;

/** One row per stream: the seq counter (the row every writer of the stream locks) and the epoch. */
export const STREAMS_TABLE: TableDefinition = {
  name: TABLE_NAMES.streams,
  columns: [
    { name: 'stream_key', property: 'streamKey', kind: 'streamKey', primary: true },
    { name: 'namespace', property: 'namespace', kind: 'name' },
    { name: 'room', property: 'room', kind: 'name' },
    { name: 'epoch', property: 'epoch', kind: 'uuid' },
    { name: 'seq', property: 'seq', kind: 'bigint' },
    // Earliest `expires_at` that may still be stored, so TTL sweeps run only when one is due.
    { name: 'next_expiry', property: 'nextExpiry', kind: 'bigint', nullable: true },
  ],
  indices: [],
};

/** Every entry of every stream; the primary key (stream_key, seq) serves keyset reads. */
export const MESSAGES_TABLE: TableDefinition = {
  name: TABLE_NAMES.messages,
  columns: [
    { name: 'stream_key', property: 'streamKey', kind: 'streamKey', primary: true },
    { name: 'seq', property: 'seq', kind: 'bigint', primary: true },
    { name: 'id', property: 'id', kind: 'uuid' },
    { name: 'event', property: 'event', kind: 'name' },
    { name: 'payload', property: 'payload', kind: 'payload', nullable: true },
    { name: 'sender_id', property: 'senderId', kind: 'id', nullable: true },
    { name: 'client_message_id', property: 'clientMessageId', kind: 'id', nullable: true },
    { name: 'created_at', property: 'createdAt', kind: 'bigint' },
    { name: 'kind', property: 'kind', kind: 'kind' },
    { name: 'target', property: 'target', kind: 'bigint', nullable: true },
    { name: 'version', property: 'version', kind: 'int' },
    { name: 'edited_at', property: 'editedAt', kind: 'bigint', nullable: true },
    { name: 'deleted_at', property: 'deletedAt', kind: 'bigint', nullable: true },
    { name: 'expires_at', property: 'expiresAt', kind: 'bigint', nullable: true },
    // The original id of an imported entry that does not fit `id` (a Redis `<epoch>:<seq>`, an
    // ObjectId); `id` then holds a UUID derived from it. Reads return this one when set.
    { name: 'source_id', property: 'sourceId', kind: 'id', nullable: true },
  ],
  indices: [
    // Idempotency: NULLs are distinct in all three engines, so messages without a key never collide.
    { name: 'roomlog_messages_client_id', columns: ['stream_key', 'client_message_id'], unique: true },
    { name: 'roomlog_messages_sender', columns: ['sender_id'] },
    { name: 'roomlog_messages_created', columns: ['stream_key', 'created_at'] },
    { name: 'roomlog_messages_expires', columns: ['stream_key', 'expires_at'] },
  ],
};

/** Read markers per (stream, user). */
export const CURSORS_TABLE: TableDefinition = {
  name: TABLE_NAMES.cursors,
  columns: [
    { name: 'stream_key', property: 'streamKey', kind: 'streamKey', primary: true },
    { name: 'user_id', property: 'userId', kind: 'id', primary: true },
    { name: 'seq', property: 'seq', kind: 'bigint' },
  ],
  indices: [],
};

/** All tables, in creation order. */
export const TABLES: readonly TableDefinition[] = [STREAMS_TABLE, MESSAGES_TABLE, CURSORS_TABLE];
