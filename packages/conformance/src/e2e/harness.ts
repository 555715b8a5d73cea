/**
 * Real Socket.IO nodes and clients on loopback for the end-to-end suite: a small chat app
 * (handshake `auth: { user, rooms }` says who the user is and which rooms they may join),
 * clients that record exactly what they were delivered, and cleanup after every test.
 */
import { randomUUID } from 'node:crypto';
import { type Server as HttpServer, createServer } from 'node:http';
import type { AddressInfo, Socket as NetSocket } from 'node:net';
import { type RoomlogClient, type ResetNotice, type RoomlogStorage, memoryStorage, roomlogClient } from '@roomlog/client';
import type { MessageEnvelope, MessageStore } from '@roomlog/core';
import { type Roomlog, type RoomlogOptions, roomlog } from '@roomlog/core/socket.io';
import { Server, type Socket } from 'socket.io';
import { type Socket as ClientSocket, io as connectSocket } from 'socket.io-client';
import type { AdapterSetup, EndToEndFaults, EndToEndOptions } from './options';

/** A random name no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 13)}`;
}

/**
 * Polls `check` until it holds (every 10 ms), failing after `timeoutMs` with `what` and, when
 * given, the state `describeState` reports, so a failure says what was seen.
 */
export async function until(check: () => boolean, what: string, timeoutMs = 20_000, describeState?: () => unknown): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      const state = describeState ? `; state: ${JSON.stringify(describeState())}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Handshake `auth` of the test app. */
export interface TestAuth {
  user: string;
  /** Rooms the user may join. */
  rooms: string[];
}

/** One running Socket.IO node. */
export interface TestNode {
  url: string;
  port: number;
  io: Server;
  log: Roomlog;
  store: MessageStore;
  /** Stops the node: Roomlog, Socket.IO (its clients see the connection drop), adapter, store. */
  stop(): Promise<void>;
  /**
   * Kills the node as a crash would: every connection is cut at once (no disconnect packet, no
   * ack of work in flight), then the rest is stopped. Appends in flight may still land.
   */
  kill(): Promise<void>;
}

/** Options of {@link EndToEndHarness.startNode}. */
export interface NodeOptions {
  /** Listen on this port (a restarted node takes its predecessor's). @default a free port */
  port?: number;
  /** Join a cluster over the suite's adapter on this channel. */
  channel?: string;
  /** Overrides of the `roomlog()` options (store and defaults of the test app stay unless overridden). */
  roomlog?: Partial<RoomlogOptions<Socket>>;
}

/** One connected client and everything it was delivered. */
export interface TestClient {
  socket: ClientSocket;
  client: RoomlogClient;
  auth: TestAuth;
  storage: RoomlogStorage;
  /** Entries delivered per room, in delivery order. */
  delivered: Map<string, MessageEnvelope[]>;
  resets: ResetNotice[];
  /** Per room, how many entries had been delivered when its latest reset notice came. */
  resetAt: Map<string, number>;
  errors: unknown[];
  /** Seqs delivered in `room`, in delivery order. */
  seqs(room: string): number[];
}

/** Options of {@link EndToEndHarness.connect}. */
export interface ConnectOptions {
  user?: string;
  /** Rooms the user may join; the client follows all of them unless `follow` says otherwise. */
  rooms: string[];
  follow?: string[];
  /** Continue as this earlier client (its storage and delivery log): the same user on a new connection. */
  continueFrom?: TestClient;
  /** Connect here instead of the node's own URL (e.g. through a load balancer in front of several nodes). */
  url?: string;
  /** Resolve without waiting for the followed rooms' first sync. */
  noWait?: boolean;
}

const allowedRooms = (socket: Socket): string[] => {
  const rooms: unknown = (socket.handshake.auth as Partial<TestAuth>).rooms;
  return Array.isArray(rooms) ? rooms.filter((room): room is string => typeof room === 'string') : [];
};

/** Nodes and clients of one test; {@link EndToEndHarness.closeAll} runs after each. */
export class EndToEndHarness {
  readonly #options: EndToEndOptions;
  readonly #nodes = new Set<TestNode>();
  readonly #clients = new Set<TestClient>();

  /** @param options - the suite's options (store and adapter factories). */
  constructor(options: EndToEndOptions) {
    this.#options = options;
  }

  /** True when multi-node scenarios can run. */
  get clustered(): boolean {
    return this.#options.createAdapter !== undefined;
  }

  /** The faults this run can inject (none when the backend offers none). */
  get faults(): EndToEndFaults {
    return this.#options.faults ?? {};
  }

  /** Starts a node serving the test app. */
  async startNode(options: NodeOptions = {}): Promise<TestNode> {
    const store = await this.#options.createStore();
    let adapter: AdapterSetup | null = null;
    if (options.channel !== undefined) {
      if (!this.#options.createAdapter) throw new Error('this suite run has no createAdapter');
      adapter = await this.#options.createAdapter(options.channel);
    }
    const http: HttpServer = createServer();
    const connections = new Set<NetSocket>();
    http.on('connection', (connection) => {
      connections.add(connection);
      connection.once('close', () => connections.delete(connection));
    });
    const io = new Server(http, adapter ? { adapter: adapter.adapter } : {});
    const log = roomlog(io, {
      store,
      events: ['chat'],
      authorize: (socket, { action, room }) => (action === 'join' ? allowedRooms(socket).includes(room) : socket.rooms.has(room)),
      userId: (socket) => (socket.handshake.auth as Partial<TestAuth>).user,
      ...options.roomlog,
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const port = (http.address() as AddressInfo).port;
    let stopping: Promise<void> | null = null;
    const node: TestNode = {
      url: `http://127.0.0.1:${port}`,
      port,
      io,
      log,
      store,
      stop: () => {
        stopping ??= (async () => {
          this.#nodes.delete(node);
          await log.close();
          await io.close();
          await adapter?.close();
          await store.close();
        })();
        return stopping;
      },
      kill: () => {
        for (const connection of connections) connection.destroy();
        return node.stop();
      },
    };
    this.#nodes.add(node);
    return node;
  }

  /** Connects a Roomlog client to `node` and follows its rooms; resolves once every followed room synced. */
  async connect(node: TestNode, options: ConnectOptions): Promise<TestClient> {
    const auth: TestAuth = { user: options.continueFrom?.auth.user ?? options.user ?? uniqueName('user'), rooms: options.rooms };
    const socket = connectSocket(options.url ?? node.url, {
      auth,
      forceNew: true,
      transports: ['websocket'],
      reconnectionDelay: 20,
      reconnectionDelayMax: 100,
    });
    const storage = options.continueFrom?.storage ?? memoryStorage();
    const client = roomlogClient(socket, { storage, requestTimeoutMs: 2_000, retryDelayMs: 20, maxRetryDelayMs: 200 });
    const delivered = options.continueFrom?.delivered ?? new Map<string, MessageEnvelope[]>();
    const test: TestClient = {
      socket,
      client,
      auth,
      storage,
      delivered,
      resets: options.continueFrom?.resets ?? [],
      resetAt: options.continueFrom?.resetAt ?? new Map(),
      errors: options.continueFrom?.errors ?? [],
      seqs: (room) => (delivered.get(room) ?? []).map((message) => message.seq),
    };
    this.#clients.add(test);
    client.onReset((notice) => {
      test.resets.push(notice);
      test.resetAt.set(notice.room, delivered.get(notice.room)?.length ?? 0);
    });
    client.onError((error) => test.errors.push(error));
    const follow = options.follow ?? options.rooms;
    for (const room of follow) {
      if (!delivered.has(room)) delivered.set(room, []);
      client.on(room, '*', (message) => delivered.get(room)!.push(message));
    }
    const joined = Promise.all(follow.map((room) => client.join(room)));
    if (options.noWait) joined.catch(() => {});
    else await joined;
    return test;
  }

  /** Disconnects a client for good (its storage stays with the object for `continueFrom`). */
  disconnect(test: TestClient): void {
    test.client.close();
    test.socket.disconnect();
    this.#clients.delete(test);
  }

  /** Stops every node and client of the test. */
  async closeAll(): Promise<void> {
    for (const test of this.#clients) this.disconnect(test);
    await Promise.all([...this.#nodes].map((node) => node.stop()));
  }
}
