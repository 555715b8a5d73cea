/** What a command reads and writes; the real process's streams, or a test's. */
import type { Readable, Writable } from 'node:stream';

/** The process streams and environment a command runs with. */
export interface CommandIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Whether stderr is a terminal (progress bars are drawn only then, unless asked for). */
  stderrIsTty: boolean;
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT/SIGTERM: `tail --follow` stops, `import` stops after the current batch. */
  signal: AbortSignal;
}

/**
 * Writes a line to `out`, waiting when its buffer is full, so a slow reader (a pipe into
 * `roomlog import`) holds the writer back instead of growing memory.
 */
export async function writeLine(out: Writable, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) {
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        out.off('drain', done);
        out.off('error', done);
        out.off('close', done);
        if (error) reject(error);
        else resolve();
      };
      out.once('drain', done);
      out.once('error', done);
      out.once('close', done);
    });
  }
}
