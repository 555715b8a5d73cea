import { createNoopMeter, metrics, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryStore, instrumentStore, telemetryReady } from '../src/index';
import { startRequest } from '../src/telemetry';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('telemetry with the OpenTelemetry API but no SDK registered', () => {
  it('does no recording work per call: no tracer asked for spans, no instruments created, requests untimed', async () => {
    expect(await telemetryReady()).toBe(true);
    const getTracer = vi.spyOn(trace, 'getTracer');
    const noopMeter = createNoopMeter();
    const createCounter = vi.spyOn(noopMeter, 'createCounter');
    const createHistogram = vi.spyOn(noopMeter, 'createHistogram');
    const store = instrumentStore(new MemoryStore());
    const [result] = await store.append([{ namespace: '/', room: `r-${Math.random()}`, event: 'chat', data: { text: 'hi' } }]);
    expect(result?.message.seq).toBe(1);
    // The same shared no-op function for every request: nothing timed, no closure per request.
    expect(startRequest('chat')).toBe(startRequest('roomlog:sync'));
    expect(getTracer).not.toHaveBeenCalled();
    expect(createCounter).not.toHaveBeenCalled();
    expect(createHistogram).not.toHaveBeenCalled();
    await store.close();
  });

  it('starts recording as soon as an app registers a provider later', async () => {
    const noop = createNoopMeter();
    // An SDK's meter: its own object, whatever its instruments do.
    const meter = {
      createCounter: vi.fn(noop.createCounter.bind(noop)),
      createHistogram: vi.fn(noop.createHistogram.bind(noop)),
      createObservableGauge: vi.fn(noop.createObservableGauge.bind(noop)),
    } as unknown as ReturnType<typeof createNoopMeter>;
    expect(metrics.setGlobalMeterProvider({ getMeter: () => meter })).toBe(true);
    try {
      const answered = startRequest('chat');
      expect(answered).not.toBe(startRequest('roomlog:sync'));
      expect(meter.createCounter).toHaveBeenCalledWith('roomlog.server.requests', expect.anything());
    } finally {
      metrics.disable();
    }
  });
});
