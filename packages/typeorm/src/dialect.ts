/**
 * The SQL dialects this backend speaks, and how each TypeORM driver maps to one.
 */
import { RoomlogError } from '@roomlog/core';
import { BACKEND } from './options';

/**
 * - `postgres`: `ON CONFLICT ... RETURNING`, `$n` parameters, row locks.
 * - `mysql`: MySQL and MariaDB: `ON DUPLICATE KEY UPDATE`, `?` parameters, row locks.
 * - `sqlite`: sql.js: `ON CONFLICT ... RETURNING`, `?` parameters, one writer at a time.
 */
export type Dialect = 'postgres' | 'mysql' | 'sqlite';

/** TypeORM `DataSource` types this backend supports. */
export type SupportedDriverType = 'postgres' | 'mysql' | 'mariadb' | 'sqljs';

const DIALECTS: Record<SupportedDriverType, Dialect> = {
  postgres: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
  sqljs: 'sqlite',
};

/**
 * The dialect of a TypeORM driver type.
 * @throws RoomlogError `UNSUPPORTED` for a driver this backend has not been tested on.
 */
export function dialectOf(type: string): Dialect {
  const dialect = (DIALECTS as Record<string, Dialect | undefined>)[type];
  if (dialect === undefined) {
    throw new RoomlogError('UNSUPPORTED', `TypeORM driver "${type}" is not supported; use one of ${Object.keys(DIALECTS).join(', ')}`, {
      backend: BACKEND,
      cause: new TypeError(`unsupported DataSource type ${type}`),
    });
  }
  return dialect;
}

/**
 * Collects the parameters of one statement and hands out their placeholders
 * (`$1`, `$2`, ... on PostgreSQL, `?` elsewhere), so SQL is written once for all dialects.
 */
export class Params {
  readonly values: unknown[] = [];

  constructor(private readonly dialect: Dialect) {}

  /** Adds a value and returns its placeholder. */
  add(value: unknown): string {
    this.values.push(value);
    return this.dialect === 'postgres' ? `$${this.values.length}` : '?';
  }
}
