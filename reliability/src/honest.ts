/**
 * An honest chat user in a process of its own, so the round trips it measures are its own: a
 * hostile client flooding from the test's process would otherwise delay the honest user's acks
 * in that process's event loop and count as server latency.
 * `node --import tsx src/honest.ts --url http://… --room lobby`: it joins the room with
 * `@roomlog/client`, sends `{ type: 'ready' }` over IPC, then on `{ type: 'start' }` sends one
 * message after another until `{ type: 'stop' }`, and answers it with
 * `{ type: 'times', times, failed }`: each acked send's round trip in ms, and the sends that
 * were not stored. `{ type: 'progress' }` is answered with how many sends finished so far.
 */
import { parseArgs } from 'node:util';
import { roomlogClient } from '@roomlog/client';
import { io } from 'socket.io-client';
import { delay } from './wait';

/** How long `stop` waits for the sends in flight (each times out after 10 s). */
const STOP_WAIT_MS = 12_000;

/** Messages the honest process sends to its parent. */
export type HonestMessage = { type: 'ready' } | { type: 'progress'; sends: number } | { type: 'times'; times: number[]; failed: number };

const { values } = parseArgs({
  options: { url: { type: 'string' }, room: { type: 'string', default: 'lobby' }, senders: { type: 'string', default: '4' } },
});
const rooms = Array.from({ length: Number(values.senders) }, (_, i) => (i === 0 ? values.room! : `${values.room}-${i}`));
const socket = io(values.url!, { forceNew: true, transports: ['websocket'], auth: { user: 'alice', rooms } });
const client = roomlogClient(socket);
await Promise.all(rooms.map((room) => client.join(room)));

const send = (message: HonestMessage) => process.send?.(message);
let sending: Promise<void> | null = null;
let running = false;
const times: number[] = [];
let failed = 0;

async function sendUntilStopped(room: string): Promise<void> {
  while (running) {
    const started = performance.now();
    try {
      if (await client.send(room, 'chat', { text: 'honest' }, { timeoutMs: 10_000 })) times.push(performance.now() - started);
      else failed++;
    } catch {
      failed++;
    }
  }
}

process.on('message', async (request: { type?: unknown }) => {
  if (request?.type === 'start' && !running) {
    running = true;
    times.length = 0;
    failed = 0;
    sending = Promise.all(rooms.map(sendUntilStopped)).then(() => undefined);
  } else if (request?.type === 'progress') {
    send({ type: 'progress', sends: times.length + failed });
  } else if (request?.type === 'stop') {
    running = false;
    // A send still unanswered by then counts as failed: the answer must not hang on it.
    const stuck = await Promise.race([sending?.then(() => 0), delay(STOP_WAIT_MS).then(() => 1)]);
    send({ type: 'times', times: [...times], failed: failed + (stuck ?? 0) });
  }
});
// The parent going away (a crashed test run) must not leave this user behind.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
