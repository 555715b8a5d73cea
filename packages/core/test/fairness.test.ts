/**
 * The per-socket read slots against a socket whose client stopped reading: a read may start only
 * while the outgoing buffer is under `maxBufferedBytesPerSocket`, judged by a look taken when it
 * starts, not by one cached from before the previous read wrote its page.
 */
import type { Socket } from 'socket.io';
import { describe, expect, it } from 'vitest';
import { Fairness } from '../src/socket/fairness';
import { resolveLimits } from '../src/socket/limits';

/** A stand-in for a server socket: what Fairness looks at, with a buffer the test fills. */
function fakeSocket() {
  const writeBuffer: { data: string }[] = [];
  const socket = { connected: true, conn: { writeBuffer, transport: { socket: { bufferedAmount: 0 } } } };
  return { socket: socket as unknown as Socket, writeBuffer };
}

const settledWithin = async (promise: Promise<unknown>, ms: number): Promise<boolean> => {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setTimeout(resolve, ms));
  return settled;
};

describe('read slots', () => {
  it('hold the next read once the previous one filled the buffer, even within one cached look', async () => {
    const fairness = new Fairness(resolveLimits({ maxBufferedBytesPerSocket: 1024 }));
    const { socket, writeBuffer } = fakeSocket();
    // A flood of requests is served by one cached look: the first read sees an empty buffer.
    expect(fairness.overflowing(socket)).toBe(false);
    const free = await fairness.readSlot(socket);
    // Its answer, a page the client does not read, lands in the buffer; the next read starts
    // at once (well within the 5 ms a look is cached for).
    writeBuffer.push({ data: 'x'.repeat(64 * 1024) });
    free();
    const next = fairness.readSlot(socket);
    expect(await settledWithin(next, 30), 'a read started on a stale look while the buffer was over its bound').toBe(false);
    // The client reads: the held read starts.
    writeBuffer.length = 0;
    expect(await settledWithin(next, 200)).toBe(true);
    (await next)();
  });
});
