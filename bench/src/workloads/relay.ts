/**
 * Relay throughput: one sender, ≤ `maxInFlight` messages awaiting their ack, N receivers in
 * the room. Measures messages/s, deliveries/s and the server's CPU per message.
 */
import { randomUUID } from 'node:crypto';
import { closeClients, closeOnAbort, connectClient, connectClients, countDeliveries, sendWindowed } from '../clients';
import { deliveryEvent } from '../protocol';
import type { RelayMetrics } from '../results';
import type { ServerHandle } from '../server/control';
import { nowMs, perSecond } from '../stats';
import type { Subject } from '../subjects';
import type { RunContext } from './context';

/** The relay case's variant name for `receivers`. */
export function relayVariant(receivers: number): string {
  return receivers === 1 ? '1-receiver' : `${receivers}-receivers`;
}

/** Measures one relay case against a running server. */
export async function relayCase(
  context: RunContext,
  server: ServerHandle,
  subject: Subject,
  receivers: number,
  signal: AbortSignal,
): Promise<RelayMetrics> {
  const { relayMessages, relayWarmup, maxInFlight } = context.config;
  const room = `relay-${randomUUID()}`;
  const listeners = await connectClients(server.url, receivers, () => [room]);
  const sender = await connectClient(server.url, []);
  closeOnAbort(signal, [sender, ...listeners]);
  try {
    const deliveries = countDeliveries(listeners, deliveryEvent(subject.mode));
    await sendWindowed(sender, room, relayWarmup, maxInFlight);
    await deliveries.reached(relayWarmup * receivers);

    await server.call('cpu-start', {});
    const started = nowMs();
    await Promise.all([
      sendWindowed(sender, room, relayMessages, maxInFlight),
      deliveries.reached((relayWarmup + relayMessages) * receivers),
    ]);
    const elapsed = nowMs() - started;
    const cpuUs = await server.call('cpu-stop', {});
    return {
      receivers,
      messagesPerSec: perSecond(relayMessages, elapsed),
      deliveriesPerSec: perSecond(relayMessages * receivers, elapsed),
      serverCpuUsPerMessage: cpuUs / relayMessages,
    };
  } finally {
    closeClients([sender, ...listeners]);
  }
}
