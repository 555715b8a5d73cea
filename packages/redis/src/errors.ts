/**
 * Maps what ioredis and Redis throw to the contract's error codes: anything that means "Redis
 * cannot take this now, try again" is `UNAVAILABLE`; the rest (script bugs, wrong types) is
 * `INTERNAL`.
 */
import { type RoomlogErrorCode, isNetworkError } from '@roomlog/core';

/**
 * Redis error codes meaning the server refused the work for now: a replica or a node still
 * loading, failover in progress, out of memory, a busy script, a failing disk. Redis 7 replies
 * with the code first; Redis 6 wraps an error raised inside a script as
 * `ERR Error running script … : -READONLY …`, hence the second alternative.
 */
const TRANSIENT_REPLY = /(?:^|: -)(READONLY|LOADING|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|OOM|BUSY|NOREPLICAS|MISCONF|UNBLOCKED)\b/;

/** Messages ioredis rejects with when it has no usable connection. */
const CLIENT_UNAVAILABLE = [
  'Connection is closed',
  "Stream isn't writeable",
  'Command timed out',
  // A command in flight when the connection closed (a failover, a restart): it may or may not
  // have run, which a retry with the same clientMessageIds makes safe.
  'Command aborted due to connection close',
  'Failed to refresh slots cache',
  'None of startup nodes is available',
  "Cluster isn't ready",
  'Too many Cluster redirections',
];

/** ioredis error classes (by name, never `instanceof`) that mean the connection gave up. */
const UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);

/** Classifies an ioredis/Redis error; unknown errors are `INTERNAL`. */
export function classifyRedisError(error: unknown): RoomlogErrorCode {
  if (isNetworkError(error)) return 'UNAVAILABLE';
  if (!(error instanceof Error)) return 'INTERNAL';
  if (UNAVAILABLE_NAMES.has(error.name) || TRANSIENT_REPLY.test(error.message)) return 'UNAVAILABLE';
  return CLIENT_UNAVAILABLE.some((text) => error.message.includes(text)) ? 'UNAVAILABLE' : 'INTERNAL';
}
