/**
 * Key layout. Every key of a stream carries the same Redis Cluster hash tag, so one script
 * can touch them all on any cluster node. The tag is a hash of `(namespace, room)`, never the
 * names themselves: a room called `}{` or `*` is data and cannot change which slot or key is
 * used.
 */
import { streamDigest, textDigest } from '@roomlog/core';

/** The five keys of one stream, in the order every script expects them (see `scripts.lua.ts`). */
export type StreamKeys = [meta: string, entries: string, ids: string, ttl: string, cursors: string];

/** The hash tag body identifying a stream (core's `streamDigest`); also what a sender's index stores. */
export function streamTag(namespace: string, room: string): string {
  return streamDigest(namespace, room);
}

/** The keys of the stream with hash tag `tag`. */
export function streamKeys(prefix: string, tag: string): StreamKeys {
  const base = `${prefix}:{${tag}}:`;
  return [`${base}m`, `${base}e`, `${base}i`, `${base}x`, `${base}c`];
}

/** The set of stream tags `senderId` has written to (for `eraseSender`); its own slot. */
export function senderKey(prefix: string, senderId: string): string {
  // Its own slot, by a hash of the id: the id is data, never part of the key's syntax.
  return `${prefix}:{u${textDigest(senderId)}}:streams`;
}
