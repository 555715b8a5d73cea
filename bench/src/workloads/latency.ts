/**
 * Ack latency under an offered (open-loop) load: messages leave on a fixed schedule whether or
 * not earlier acks came back, so a slow server shows up as latency instead of hiding behind a
 * slower sender.
 */
import { randomUUID } from 'node:crypto';
import { closeClients, closeOnAbort, connectClient, connectClients, sendTimed } from '../clients';
import type { LatencyMetrics } from '../results';
import type { ServerHandle } from '../server/control';
import { deferred, nowMs, percentiles } from '../stats';
import type { RunContext } from './context';

/** Scheduler tick; each tick sends what the rate says is due, so rates above 1/ms work too. */
const TICK_MS = 2;

function sendPaced(send: () => Promise<number>, rate: number, samples: number): Promise<number[]> {
  const latencies: number[] = [];
  const done = deferred<number[]>();
  const started = nowMs();
  let sent = 0;
  let settled = 0;
  const tick = () => {
    const due = Math.min(samples, Math.floor(((nowMs() - started) * rate) / 1000) + 1);
    for (; sent < due; sent += 1) {
      send().then(
        (latency) => {
          latencies.push(latency);
          settled += 1;
          if (settled === samples) done.resolve(latencies);
        },
        (error: unknown) => done.reject(error),
      );
    }
    if (sent < samples) setTimeout(tick, TICK_MS);
  };
  tick();
  return done.promise;
}

/** Measures ack latency at `rate` messages/s with the configured number of receivers in the room. */
export async function latencyCase(context: RunContext, server: ServerHandle, rate: number, signal: AbortSignal): Promise<LatencyMetrics> {
  const { manyReceivers, latencySamples } = context.config;
  const room = `latency-${randomUUID()}`;
  const listeners = await connectClients(server.url, manyReceivers, () => [room]);
  const sender = await connectClient(server.url, []);
  closeOnAbort(signal, [sender, ...listeners]);
  try {
    const send = () => sendTimed(sender, room);
    // Warm-up at the same rate, unmeasured.
    await sendPaced(send, rate, Math.ceil(latencySamples / 10));
    const latencies = await sendPaced(send, rate, latencySamples);
    return { rate: Math.round(rate), receivers: manyReceivers, ...percentiles(latencies) };
  } finally {
    closeClients([sender, ...listeners]);
  }
}
