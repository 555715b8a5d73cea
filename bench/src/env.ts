/**
 * Where the databases are and what this run calls its own. URLs come from the environment
 * with the loopback defaults of `scripts/services.sh`.
 */
import { randomBytes } from 'node:crypto';

/** Connection URLs of the shared services. */
export const urls = {
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  postgres: process.env.POSTGRES_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  mongo: process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017',
} as const;

/**
 * A fresh identifier for everything one run (or one case) creates on the shared servers:
 * Redis key prefix, PostgreSQL schema, Mongo database. Lowercase letters, digits and `_`,
 * so it is a valid name everywhere without quoting.
 */
export function newRunId(label: string): string {
  return `rlbench_${label}_${randomBytes(4).toString('hex')}`;
}
