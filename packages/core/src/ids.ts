/** Identifiers Roomlog generates: message ids and stream epochs. */
import { createHash, randomUUID } from 'node:crypto';

/** A new unique message id. */
export function newMessageId(): string {
  return randomUUID();
}

/** A new stream epoch; unique, so a stream recreated after data loss never repeats an old one. */
export function newEpoch(): string {
  return randomUUID();
}

/**
 * The key of a stream in maps and caches. NUL cannot occur in a namespace or room
 * (validation refuses it), so the joined form is unambiguous.
 */
export function streamKey(namespace: string, room: string): string {
  return `${namespace}\u0000${room}`;
}

/** Hex digits kept of the SHA-256: 128 bits, so distinct inputs never share a digest in practice. */
const DIGEST_HEX_DIGITS = 32;

/**
 * A short, fixed-length id of a text for keys, index columns and hash tags: the first 128 bits
 * of its SHA-256 (UTF-8), as 32 lowercase hex digits. The text is data; its digest is safe
 * wherever a key is syntax.
 */
export function textDigest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, DIGEST_HEX_DIGITS);
}

/**
 * The id of a stream for keys, index columns and hash tags: {@link textDigest} of
 * {@link streamKey}`(namespace, room)`. Names of up to 512 bytes, any character, become 32 hex digits.
 */
export function streamDigest(namespace: string, room: string): string {
  return textDigest(streamKey(namespace, room));
}
