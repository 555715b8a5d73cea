/**
 * Key layout. Every key of a stream carries the same Redis Cluster hash tag, so one script
 * can touch them all on any cluster node. The tag is a hash of `(namespace, room)`, never the
 * names themselves: a room called `}{` or `*` is data and cannot change which slot or key is
 * used.
 */
import { createHash } from 'node:crypto';

/** The five keys of one stream, in the order every script expects them (see `scripts.lua.ts`). */
export type StreamKeys = [meta: string, entries: string, ids: string, ttl: string, cursors: string];

/** Hex digits kept from the SHA-256 of a name: 128 bits, so distinct streams never share keys in practice. */
const TAG_HEX_DIGITS = 32;

function digest(parts: readonly string[]): string {
  const hash = createHash('sha256');
  // NUL never occurs in a validated name, so joined parts cannot be confused.
  for (const part of parts) hash.update(part).update('\u0000');
  return hash.digest('hex').slice(0, TAG_HEX_DIGITS);
}

/** The hash tag body identifying a stream; also what a sender's index stores. */
export function streamTag(namespace: string, room: string): string {
  return digest([namespace, room]);
}

/** The keys of the stream with hash tag `tag`. */
export function streamKeys(prefix: string, tag: string): StreamKeys {
  const base = `${prefix}:{${tag}}:`;
  return [`${base}m`, `${base}e`, `${base}i`, `${base}x`, `${base}c`];
}

/** The set of stream tags `senderId` has written to (for `eraseSender`); its own slot. */
export function senderKey(prefix: string, senderId: string): string {
  return `${prefix}:{u${digest([senderId])}}:streams`;
}
