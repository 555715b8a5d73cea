/**
 * A Socket.IO server in its own process (the bench's clients run in the parent process, as
 * in the reference figures). It is one of: plain relay, relay with Connection State Recovery
 * on @socket.io/redis-streams-adapter, or Roomlog on a backend. The parent drives it over IPC.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { roomlog } from '@roomlog/core/socket.io';
import { Redis } from 'ioredis';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import { deleteRedisKeys, openStore } from '../backends';
import { urls } from '../env';
import { MESSAGE_EVENT, type BenchAuth, type MessageAck, type OutgoingMessage } from '../protocol';
import type { BackendId } from '../subjects';
import { countReads } from './counting-store';
import { SERVER_CONFIG_ENV, type PublishedHead, type RpcRequest, type RpcResponse, type ServerConfig, type StartupMessage } from './rpc';

/** What differs between the server kinds once Socket.IO is listening. */
interface Relay {
  publish(room: string, count: number): Promise<PublishedHead | null>;
  reads(): number | null;
  close(): Promise<void>;
}

const ioOptions: Partial<ServerOptions> = { transports: ['websocket'], serveClient: false };

/** Puts every socket in the rooms its handshake names: the app decides membership, as in plain Socket.IO. */
function joinRequestedRooms(socket: Socket): void {
  const { rooms } = socket.handshake.auth as Partial<BenchAuth>;
  if (Array.isArray(rooms)) void socket.join(rooms);
}

/** The relay every non-Roomlog subject runs: broadcast what arrives, then ack. */
function relayAsIs(io: Server): void {
  io.on('connection', (socket) => {
    socket.on(MESSAGE_EVENT, (message: OutgoingMessage, ack?: (answer: MessageAck) => void) => {
      io.to(message.room).emit(MESSAGE_EVENT, message);
      ack?.({ ok: true });
    });
  });
}

/** Server-side sends for plain and CSR: `count` broadcasts to `room` (there is no stream head to return). */
function broadcastPublisher(io: Server) {
  return async (room: string, count: number) => {
    for (let i = 0; i < count; i += 1) {
      io.to(room).emit(MESSAGE_EVENT, { room, data: { text: `published ${i}` }, clientMessageId: `p${i}` });
    }
    return null;
  };
}

function startPlain(io: Server): Relay {
  relayAsIs(io);
  return { publish: broadcastPublisher(io), reads: () => null, close: async () => {} };
}

async function startCsr(io: Server, runId: string): Promise<Relay> {
  const client = new Redis(urls.redis, { lazyConnect: true });
  await client.connect();
  const prefix = `${runId}:`;
  io.adapter(
    createAdapter(client, {
      streamName: `${prefix}stream`,
      channelPrefix: `${prefix}channel`,
      sessionKeyPrefix: `${prefix}session:`,
      onlyPlaintext: true,
    }),
  );
  relayAsIs(io);
  return {
    publish: broadcastPublisher(io),
    reads: () => null,
    async close() {
      await deleteRedisKeys(client, prefix);
      client.disconnect();
    },
  };
}

async function startRoomlog(io: Server, backend: BackendId, runId: string): Promise<Relay> {
  const opened = await openStore(backend, runId);
  const counted = countReads(opened.store);
  // Senders may write to rooms they are not in, so they get no echo of their own messages,
  // as with the plain relay's `io.to(room)`.
  let closing = false;
  const attach = () =>
    roomlog(io, {
      store: counted.store,
      events: [MESSAGE_EVENT],
      authorize: () => true,
      // One sender socket stands for many users here (up to `maxInFlight` sends awaiting their
      // ack), so the per-socket caps of a chat user would measure the cap, not the relay.
      limits: { maxRequestsPerSocket: 10_000, maxWritesPerSocket: 10_000 },
      hooks: {
        // One line per error while measuring; syncs cut off by the shutdown are expected, not news.
        onError: (error, { event }) => {
          if (!closing) process.stderr.write(`[bench server] ${error.code} while handling ${event}: ${error.message}\n`);
        },
      },
    });
  let log: ReturnType<typeof attach>;
  try {
    log = attach();
  } catch (error) {
    await opened.close();
    throw error;
  }
  return {
    async publish(room, count) {
      const published = await Promise.all(
        Array.from({ length: count }, (_, i) => log.publish({ room, event: MESSAGE_EVENT, data: { text: `published ${i}` } })),
      );
      const last = published.reduce((a, b) => (b.seq > a.seq ? b : a));
      return { seq: last.seq, epoch: last.epoch };
    },
    reads: () => counted.take(),
    async close() {
      closing = true;
      await log.close();
      await opened.close();
    },
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env[SERVER_CONFIG_ENV] ?? 'null') as ServerConfig;
  const http = createServer();
  const csr = config.mode.kind === 'csr';
  const io = new Server(http, csr ? { ...ioOptions, connectionStateRecovery: {} } : ioOptions);
  io.on('connection', joinRequestedRooms);
  const relay =
    config.mode.kind === 'plain'
      ? startPlain(io)
      : config.mode.kind === 'csr'
        ? await startCsr(io, config.runId)
        : await startRoomlog(io, config.mode.backend, config.runId);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));

  let cpuStart = process.cpuUsage();
  const handlers = {
    'cpu-start': () => {
      cpuStart = process.cpuUsage();
      return null;
    },
    'cpu-stop': () => {
      const used = process.cpuUsage(cpuStart);
      return used.user + used.system;
    },
    publish: ({ room, count }: { room: string; count: number }) => relay.publish(room, count),
    connections: () => io.engine.clientsCount,
    reads: () => relay.reads(),
  };
  process.on('message', (request: RpcRequest) => {
    void (async () => {
      let response: RpcResponse;
      try {
        const handler = handlers[request.op] as (args: unknown) => unknown;
        response = { id: request.id, ok: true, value: await handler(request.args) };
      } catch (error) {
        response = { id: request.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
      }
      process.send?.(response);
    })();
  });
  // The parent closing the IPC channel (on purpose, or because it died) is the signal to stop
  // and remove this run's data. Ctrl-C reaches the whole process group; the parent handles it.
  process.on('SIGINT', () => {});
  process.on('disconnect', () => {
    void (async () => {
      io.disconnectSockets(true);
      await io.close();
      await relay.close();
    })().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`[bench server] cleanup failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
  const ready: StartupMessage = { type: 'ready', port: (http.address() as AddressInfo).port };
  process.send?.(ready);
}

main().catch((error: unknown) => {
  const failed: StartupMessage = { type: 'failed', error: error instanceof Error ? error.message : String(error) };
  process.send?.(failed, () => process.exit(1));
});
