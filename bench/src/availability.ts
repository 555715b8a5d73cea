/**
 * A case that cannot be measured for a subject (e.g. a reconnect storm on plain Socket.IO,
 * which keeps nothing to recover) is reported as "not available", never with a made-up number.
 */

/** Thrown by a case that does not apply to (or cannot run on) the subject. */
export class NotAvailable extends Error {
  override readonly name = 'NotAvailable';
}
