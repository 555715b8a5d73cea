/**
 * Metrics, traces and debug logging, all optional and free when unused.
 *
 * OpenTelemetry: `@opentelemetry/api` is an optional peer, loaded with a dynamic `import()` the
 * first time a store is instrumented. When it is not installed nothing is loaded and every
 * recording function returns after one `null` check. When it is, instruments come from the
 * global meter provider (re-created if the app registers a provider later) and spans from the
 * global tracer provider, so the app's SDK setup decides where they go. Names follow the
 * OpenTelemetry semantic conventions where one exists (`db.client.operation.duration`,
 * `db.system.name`, `db.operation.name`, `db.operation.batch.size`, `error.type`); the rest are
 * `roomlog.*`. `docs/operations.md` lists them all.
 *
 * Debug logging: the `debug` package, as Socket.IO uses it: `DEBUG=roomlog:*`.
 */
import type * as OtelApi from '@opentelemetry/api';
import createDebug from 'debug';
import { isRoomlogError } from './errors';
import type { MessageStore } from './store';

type Api = typeof OtelApi;

const SCOPE = '@roomlog/core';

/** Debug loggers by area (`DEBUG=roomlog:store,roomlog:socket` or `roomlog:*`). */
export const debugLog = {
  store: createDebug('roomlog:store'),
  socket: createDebug('roomlog:socket'),
  sync: createDebug('roomlog:sync'),
};

/** Histogram buckets for durations in seconds, as the semantic conventions recommend for DB clients. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** Buckets for counts of messages or entries (batch sizes, page sizes). */
const COUNT_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000];

interface Instruments {
  provider: OtelApi.MeterProvider;
  operationDuration: OtelApi.Histogram;
  storeErrors: OtelApi.Counter;
  appendBatchSize: OtelApi.Histogram;
  appendMessages: OtelApi.Counter;
  queueSize: OtelApi.ObservableGauge;
  requests: OtelApi.Counter;
  requestDuration: OtelApi.Histogram;
  reads: OtelApi.Counter;
  readEntries: OtelApi.Histogram;
  syncRooms: OtelApi.Counter;
  healHints: OtelApi.Counter;
}

let api: Api | null = null;
let loading: Promise<boolean> | null = null;
let instruments: Instruments | null = null;
/** Batchers whose queue length the `roomlog.append.queue.size` gauge reports. */
const queues = new Set<{ readonly queued: number }>();

/**
 * Starts loading `@opentelemetry/api` (once). Called by whatever records first; until it
 * resolved, recordings are dropped (the first few milliseconds after start).
 * @returns whether OpenTelemetry is available.
 */
export function telemetryReady(): Promise<boolean> {
  loading ??= import('@opentelemetry/api').then(
    (loaded: Api) => {
      api = loaded;
      return true;
    },
    () => false,
  );
  return loading;
}

function createInstruments(provider: OtelApi.MeterProvider): Instruments {
  const meter = provider.getMeter(SCOPE);
  const duration = (name: string, description: string) =>
    meter.createHistogram(name, { unit: 's', description, advice: { explicitBucketBoundaries: DURATION_BUCKETS } });
  const count = (name: string, unit: string, description: string) =>
    meter.createHistogram(name, { unit, description, advice: { explicitBucketBoundaries: COUNT_BUCKETS } });
  const queueSize = meter.createObservableGauge('roomlog.append.queue.size', {
    unit: '{message}',
    description: 'Messages waiting in the write batcher for a store call (not counting those in flight).',
  });
  queueSize.addCallback((result) => {
    let total = 0;
    for (const queue of queues) total += queue.queued;
    result.observe(total);
  });
  return {
    provider,
    operationDuration: duration('db.client.operation.duration', 'Duration of store calls (one batch is one call).'),
    storeErrors: meter.createCounter('roomlog.store.errors', {
      unit: '{error}',
      description: 'Store calls that failed, by backend, operation and error code.',
    }),
    appendBatchSize: count('roomlog.append.batch.size', '{message}', 'Messages per store append call.'),
    appendMessages: meter.createCounter('roomlog.append.messages', {
      unit: '{message}',
      description: 'Messages appended; roomlog.duplicate=true for those matched by clientMessageId and not stored again.',
    }),
    queueSize,
    requests: meter.createCounter('roomlog.server.requests', {
      unit: '{request}',
      description: 'Client requests answered, by kind; error.type is the error code of a refused one.',
    }),
    requestDuration: duration('roomlog.server.request.duration', 'Time from a client request to its answer.'),
    reads: meter.createCounter('roomlog.read.requests', {
      unit: '{read}',
      description: 'Sync and history reads asked of the store; roomlog.read.coalesced=true for those that shared another identical read.',
    }),
    readEntries: count('roomlog.read.entries', '{entry}', 'Entries sent per sync room or history page.'),
    syncRooms: meter.createCounter('roomlog.sync.rooms', {
      unit: '{room}',
      description: 'Rooms synced, by outcome: replayed (the client continues) or the reason it was reset.',
    }),
    healHints: meter.createCounter('roomlog.heal.hints', {
      unit: '{hint}',
      description:
        "Head hints sent to a room's local members because its head moved past what this node broadcast (a dropped or another node's broadcast).",
    }),
  };
}

/** The API's own no-op tracer provider: what a proxy provider delegates to while no SDK is registered. */
let noopTracers: OtelApi.TracerProvider | null = null;

/** True when spans would go somewhere: the API is loaded and a tracer SDK registered. */
function tracing(): boolean {
  if (api === null) return false;
  const provider = api.trace.getTracerProvider();
  if (!(provider instanceof api.ProxyTracerProvider)) return true;
  // A fresh proxy delegates to the API's one no-op provider, so it names that instance.
  noopTracers ??= new api.ProxyTracerProvider().getDelegate();
  return provider.getDelegate() !== noopTracers;
}

/** The API's own no-op meter provider, once seen: what `getMeterProvider()` gives while no SDK is registered. */
let noopProvider: OtelApi.MeterProvider | null = null;

/**
 * The instruments of the current global meter provider, or `null` without OpenTelemetry or
 * while no SDK is registered: recording into the API's no-op meter would still cost attribute
 * objects and calls on every request for nothing.
 */
function current(): Instruments | null {
  if (api === null) return null;
  const provider = api.metrics.getMeterProvider();
  if (provider === noopProvider) return null;
  if (instruments === null || instruments.provider !== provider) {
    // The no-op provider hands out the API's one no-op meter (`createNoopMeter()` returns it too).
    if (provider.getMeter(SCOPE) === api.createNoopMeter()) {
      noopProvider = provider;
      return null;
    }
    instruments = createInstruments(provider);
  }
  return instruments;
}

const DB_SYSTEMS: Readonly<Record<string, string>> = { postgres: 'postgresql', mongo: 'mongodb', redis: 'redis' };

/** `db.system.name` for a store: the semantic-convention value for known backends, else the store's name. */
function dbSystem(store: MessageStore): string {
  return DB_SYSTEMS[store.name] ?? store.name;
}

function errorType(error: unknown): string {
  if (isRoomlogError(error)) return error.code;
  return error instanceof Error ? error.name : 'Error';
}

/** Store methods that are timed and traced, with the batch size each call reports. */
const OPERATIONS: Readonly<Record<string, ((args: unknown[]) => number | null) | null>> = {
  append: (args) => (Array.isArray(args[0]) ? args[0].length : null),
  read: null,
  head: null,
  edit: null,
  delete: null,
  setCursor: null,
  getCursor: null,
  unreadCount: null,
  eraseSender: null,
  ping: null,
  importEntries: (args) => (Array.isArray(args[1]) ? args[1].length : null),
  listStreams: null,
  dropStream: null,
};

/** Records what one finished store call returned (append results, entries read). */
function recordOutcome(otel: Instruments, operation: string, attributes: OtelApi.Attributes, value: unknown): void {
  if (operation === 'append' && Array.isArray(value)) {
    let duplicates = 0;
    for (const result of value as { duplicate?: boolean }[]) if (result.duplicate) duplicates++;
    otel.appendBatchSize.record(value.length, attributes);
    if (value.length - duplicates > 0) otel.appendMessages.add(value.length - duplicates, { ...attributes, 'roomlog.duplicate': false });
    if (duplicates > 0) otel.appendMessages.add(duplicates, { ...attributes, 'roomlog.duplicate': true });
  }
}

function traced(
  store: MessageStore,
  operation: string,
  method: (...args: unknown[]) => Promise<unknown>,
  batchSize: ((args: unknown[]) => number | null) | null,
) {
  const system = dbSystem(store);
  const base = { 'db.system.name': system, 'db.operation.name': operation, 'roomlog.store': store.name };
  const spanName = `${operation} ${system}`;
  return function instrumented(this: unknown, ...args: unknown[]): Promise<unknown> {
    const otel = current();
    const traced = tracing();
    const logging = debugLog.store.enabled;
    if (otel === null && !traced && !logging) return method.apply(store, args);
    const started = performance.now();
    const size = batchSize?.(args) ?? null;
    const span =
      api === null || !traced
        ? null
        : api.trace.getTracer(SCOPE).startSpan(spanName, {
            kind: api.SpanKind.CLIENT,
            attributes: size === null ? base : { ...base, 'db.operation.batch.size': size },
          });
    const finish = (error: unknown) => {
      const seconds = (performance.now() - started) / 1000;
      const attributes = error === undefined ? base : { ...base, 'error.type': errorType(error) };
      otel?.operationDuration.record(seconds, attributes);
      if (error !== undefined) {
        otel?.storeErrors.add(1, attributes);
        span?.setAttribute('error.type', errorType(error));
        span?.setStatus({ code: 2 /* SpanStatusCode.ERROR */, message: error instanceof Error ? error.message : String(error) });
        if (error instanceof Error) span?.recordException(error);
        if (logging) debugLog.store('%s %s failed after %dms: %s', store.name, operation, Math.round(seconds * 1000), errorType(error));
      } else if (logging) {
        debugLog.store('%s %s%s in %dms', store.name, operation, size === null ? '' : ` of ${size}`, Math.round(seconds * 1000));
      }
      span?.end();
    };
    return method.apply(store, args).then(
      (value) => {
        finish(undefined);
        if (otel !== null) recordOutcome(otel, operation, base, value);
        return value;
      },
      (error: unknown) => {
        finish(error);
        throw error;
      },
    );
  };
}

/**
 * A view of `store` whose calls are timed (`db.client.operation.duration`), counted
 * (append batch sizes, duplicates, errors by code) and traced (one CLIENT span per call),
 * and logged under `DEBUG=roomlog:store`. Every other property is the store's own. Without
 * OpenTelemetry and with debug logging off, each call costs one extra function call.
 *
 * @param store - the store to observe.
 * @returns the observed view; the store itself is not changed.
 */
export function instrumentStore<T extends MessageStore>(store: T): T {
  void telemetryReady();
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      // The store itself as receiver: its getters and methods may use private fields.
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function' || typeof property !== 'string' || !(property in OPERATIONS)) {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      let instrumented = wrapped.get(property);
      if (instrumented === undefined) {
        instrumented = traced(target, property, value as (...args: unknown[]) => Promise<unknown>, OPERATIONS[property] ?? null);
        wrapped.set(property, instrumented);
      }
      return instrumented;
    },
  });
}

/**
 * Reports a batcher's queue length in `roomlog.append.queue.size` until the returned function
 * is called.
 */
export function observeQueue(queue: { readonly queued: number }): () => void {
  queues.add(queue);
  return () => queues.delete(queue);
}

/**
 * Starts timing one client request.
 * @param event - the Socket.IO event it came as; reported as `roomlog.request`: Roomlog's own
 *   events without their prefix (`sync`, `history`, …), every persisted app event as `send`
 *   (app event names are not a bounded attribute set).
 * @returns the function to call with the error code when it is answered (`null` when it succeeded).
 */
export function startRequest(event: string): (code: string | null) => void {
  const otel = current();
  const logging = debugLog.socket.enabled;
  if (otel === null && !logging) return noop;
  const kind = event.startsWith(ROOMLOG_PREFIX) ? event.slice(ROOMLOG_PREFIX.length) : 'send';
  const started = performance.now();
  return (code) => {
    const seconds = (performance.now() - started) / 1000;
    const attributes = code === null ? { 'roomlog.request': kind } : { 'roomlog.request': kind, 'error.type': code };
    otel?.requests.add(1, attributes);
    otel?.requestDuration.record(seconds, attributes);
    if (logging) debugLog.socket('%s %s in %dms', kind, code ?? 'ok', Math.round(seconds * 1000));
  };
}

const noop = () => {};
const ROOMLOG_PREFIX = 'roomlog:';

/** Counts one read asked of the read coalescer; `coalesced` when it shared an identical one. */
export function recordRead(coalesced: boolean): void {
  current()?.reads.add(1, { 'roomlog.read.coalesced': coalesced });
}

/**
 * Records one synced room: `reason` is why it was reset (`too-far-behind`, `epoch-changed`, …)
 * or `undefined` when the client continued from its offset.
 */
export function recordSync(room: string, reason: string | undefined, entries: number): void {
  const outcome = reason ?? 'replayed';
  const otel = current();
  if (otel !== null) {
    otel.syncRooms.add(1, { 'roomlog.sync.outcome': outcome });
    otel.readEntries.record(entries, { 'roomlog.read.kind': 'sync' });
  }
  if (debugLog.sync.enabled) debugLog.sync('room %j: %s, %d entries', room, outcome, entries);
}

/** Records the entries of one history page sent to a client or the server. */
export function recordHistory(entries: number): void {
  current()?.readEntries.record(entries, { 'roomlog.read.kind': 'history' });
}

/** Counts one head hint the healer sent to a room's local members. */
export function recordHealHint(): void {
  current()?.healHints.add(1);
}
