import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { format } from 'node:util';
import { SpanKind, SpanStatusCode, metrics, trace } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Server } from 'socket.io';
import { type Socket as ClientSocket, io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import createDebug from 'debug';
import { MemoryStore, type SendAck, type SyncAck, instrumentStore, telemetryReady } from '../src/index';
import { roomlog } from '../src/socket.io';
import { debugLog } from '../src/telemetry';

const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
const spanExporter = new InMemorySpanExporter();
const meterProvider = new MeterProvider({ readers: [reader] });
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });

beforeAll(async () => {
  metrics.setGlobalMeterProvider(meterProvider);
  trace.setGlobalTracerProvider(tracerProvider);
  expect(await telemetryReady()).toBe(true);
});

afterAll(async () => {
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
  metrics.disable();
  trace.disable();
});

/** Every metric exported so far, by name. */
async function collect(): Promise<Map<string, MetricData>> {
  metricExporter.reset();
  await reader.forceFlush();
  const byName = new Map<string, MetricData>();
  for (const resource of metricExporter.getMetrics()) {
    for (const scope of resource.scopeMetrics) for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
  }
  return byName;
}

/** The sum (counters) or count (histograms) of the points whose attributes include `match`. */
function total(metric: MetricData | undefined, match: Record<string, unknown>): number {
  if (!metric) return 0;
  let sum = 0;
  for (const point of metric.dataPoints) {
    if (!Object.entries(match).every(([key, value]) => point.attributes[key] === value)) continue;
    sum += metric.dataPointType === DataPointType.HISTOGRAM ? (point.value as { count: number }).count : (point.value as number);
  }
  return sum;
}

describe('telemetry with the OpenTelemetry SDK', () => {
  it('store calls are timed, counted and traced with the semantic-convention names', async () => {
    const store = instrumentStore(new MemoryStore());
    const stream = { namespace: '/', room: `t-${Date.now()}` };
    await store.append([
      { ...stream, event: 'chat', data: 1, clientMessageId: 'a' },
      { ...stream, event: 'chat', data: 2, clientMessageId: 'a' },
      { ...stream, event: 'chat', data: 3 },
    ]);
    await store.read(stream);
    await expect(store.edit!(stream, 99, 'x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(store.capabilities.import).toBe(true); // every other property is the store's own

    const found = await collect();
    const duration = found.get('db.client.operation.duration');
    expect(duration?.descriptor.unit).toBe('s');
    expect(total(duration, { 'db.system.name': 'memory', 'db.operation.name': 'append' })).toBeGreaterThanOrEqual(1);
    expect(total(duration, { 'db.operation.name': 'edit', 'error.type': 'NOT_FOUND' })).toBeGreaterThanOrEqual(1);
    expect(total(found.get('roomlog.store.errors'), { 'db.operation.name': 'edit', 'error.type': 'NOT_FOUND' })).toBeGreaterThanOrEqual(1);
    expect(total(found.get('roomlog.append.messages'), { 'roomlog.duplicate': true })).toBeGreaterThanOrEqual(1);
    expect(total(found.get('roomlog.append.batch.size'), { 'db.operation.name': 'append' })).toBeGreaterThanOrEqual(1);

    const spans = spanExporter.getFinishedSpans();
    const append = spans.find((span) => span.name === 'append memory');
    expect(append?.kind).toBe(SpanKind.CLIENT);
    expect(append?.attributes).toMatchObject({ 'db.system.name': 'memory', 'db.operation.name': 'append', 'db.operation.batch.size': 3 });
    const failed = spans.find((span) => span.name === 'edit memory');
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed?.attributes['error.type']).toBe('NOT_FOUND');
  });

  it('the Socket.IO layer reports requests, refusals by code, syncs by outcome, coalesced reads and the queue', async () => {
    const http = createServer();
    const io = new Server(http);
    io.on('connection', (socket) => socket.join('lobby'));
    const log = roomlog(io, { store: new MemoryStore(), events: ['chat'] });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const socket: ClientSocket = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
      forceNew: true,
      transports: ['websocket'],
      reconnection: false,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      const ask = <T>(event: string, payload: unknown) => socket.timeout(5_000).emitWithAck(event, payload) as Promise<T>;
      const sent = await ask<SendAck>('chat', { room: 'lobby', data: 'hi', clientMessageId: 'm1' });
      expect(sent.ok).toBe(true);
      const stale = await ask<SyncAck>('roomlog:sync', { rooms: { lobby: { after: 1, epoch: 'not-the-epoch' } } });
      expect(stale.ok).toBe(true);
      await Promise.all([
        ask('roomlog:sync', { rooms: { lobby: { after: 0 } } }),
        ask('roomlog:sync', { rooms: { lobby: { after: 0 } } }),
        ask('roomlog:sync', { rooms: { lobby: { after: 0 } } }),
      ]);
      const refused = await ask<{ ok: boolean; error?: { code: string } }>('roomlog:history', { room: 'elsewhere' });
      expect(refused.error?.code).toBe('FORBIDDEN');

      const found = await collect();
      expect(total(found.get('roomlog.server.requests'), { 'roomlog.request': 'send' })).toBe(1);
      expect(total(found.get('roomlog.server.requests'), { 'roomlog.request': 'history', 'error.type': 'FORBIDDEN' })).toBe(1);
      expect(total(found.get('roomlog.server.request.duration'), { 'roomlog.request': 'sync' })).toBe(4);
      expect(total(found.get('roomlog.sync.rooms'), { 'roomlog.sync.outcome': 'epoch-changed' })).toBe(1);
      expect(total(found.get('roomlog.sync.rooms'), { 'roomlog.sync.outcome': 'replayed' })).toBe(3);
      expect(total(found.get('roomlog.read.entries'), { 'roomlog.read.kind': 'sync' })).toBe(4);
      // The three identical syncs of one turn share one store read.
      expect(total(found.get('roomlog.read.requests'), { 'roomlog.read.coalesced': true })).toBeGreaterThanOrEqual(2);
      expect(found.get('roomlog.append.queue.size')?.dataPoints[0]?.value).toBe(0);
      expect(total(found.get('db.client.operation.duration'), { 'db.operation.name': 'read' })).toBeGreaterThanOrEqual(2);
    } finally {
      socket.disconnect();
      await log.close();
      await io.close();
    }
  });
});

describe('debug logging', () => {
  it('DEBUG=roomlog:store logs every store call with its backend, operation, size and error code', async () => {
    const lines: string[] = [];
    const previous = createDebug.disable();
    createDebug.enable('roomlog:store');
    debugLog.store.log = (...args: unknown[]) => lines.push(format(...args));
    try {
      const store = instrumentStore(new MemoryStore());
      const stream = { namespace: '/', room: `d-${Date.now()}` };
      await store.append([
        { ...stream, event: 'chat', data: 1 },
        { ...stream, event: 'chat', data: 2 },
      ]);
      await store.delete!(stream, 9).catch(() => undefined);
      expect(
        lines.some((line) => line.includes('memory append of 2 in')),
        lines.join('\n'),
      ).toBe(true);
      expect(lines.some((line) => line.includes('memory delete failed after') && line.includes('NOT_FOUND'))).toBe(true);
    } finally {
      createDebug.disable();
      if (previous) createDebug.enable(previous);
    }
  });
});
