/**
 * Progress on stderr for long exports and imports: a bar redrawn in place on a terminal, or
 * (with `--progress` when stderr is not one) a plain line every few seconds, so stdout stays
 * clean for the data.
 */
import type { Writable } from 'node:stream';

/** Counts shown by the progress display. */
export interface ProgressCounts {
  /** Entries handled so far. */
  entries: number;
  /** Streams started so far. */
  streams: number;
  /** Entries written (import only). */
  imported?: number;
  /** Entries already there (import only). */
  skipped?: number;
  /** Bytes of input read and its total size, when the input is a file. */
  bytes?: { read: number; total: number } | undefined;
}

/** A throttled progress display. */
export class Progress {
  readonly #out: Writable;
  readonly #tty: boolean;
  readonly #enabled: boolean;
  readonly #every: number;
  readonly #started = Date.now();
  #last = 0;

  /**
   * @param out - where it draws (stderr).
   * @param tty - whether `out` is a terminal (draw in place).
   * @param enabled - whether to show anything.
   */
  constructor(out: Writable, tty: boolean, enabled: boolean) {
    this.#out = out;
    this.#tty = tty;
    this.#enabled = enabled;
    this.#every = tty ? 200 : 5000;
  }

  /** Redraws, at most every 200 ms on a terminal (5 s otherwise). */
  update(counts: ProgressCounts): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (now - this.#last < this.#every) return;
    this.#last = now;
    this.#draw(counts, false);
  }

  /** Draws the final state and ends the line. */
  done(counts: ProgressCounts): void {
    if (this.#enabled) this.#draw(counts, true);
  }

  #draw(counts: ProgressCounts, final: boolean): void {
    const seconds = Math.max((Date.now() - this.#started) / 1000, 0.001);
    const rate = Math.round(counts.entries / seconds);
    const parts = [`${counts.entries.toLocaleString('en-US')} entries`, `${counts.streams.toLocaleString('en-US')} streams`];
    if (counts.imported !== undefined)
      parts.push(`${counts.imported.toLocaleString('en-US')} written`, `${(counts.skipped ?? 0).toLocaleString('en-US')} already there`);
    parts.push(`${rate.toLocaleString('en-US')}/s`);
    let bar = '';
    if (counts.bytes && counts.bytes.total > 0) {
      const share = Math.min(1, counts.bytes.read / counts.bytes.total);
      const filled = Math.round(share * 24);
      bar = `[${'#'.repeat(filled)}${'-'.repeat(24 - filled)}] ${(share * 100).toFixed(1).padStart(5)}% `;
    }
    const text = `${bar}${parts.join(', ')}`;
    if (this.#tty) this.#out.write(`\r\u001b[2K${text}${final ? '\n' : ''}`);
    else this.#out.write(`${text}\n`);
  }
}
