/**
 * The workloads that go through Socket.IO (relay, ack latency, reconnect storm), run subject
 * after subject, each against its own server child process.
 */
import { newRunId } from '../env';
import { startServer } from '../server/control';
import { contextFor, measure, recordUnavailable, type RunContext } from './context';
import { latencyCase } from './latency';
import { relayCase, relayVariant } from './relay';
import { stormCase } from './storm';

/** Variant names of the latency cases. */
export const LATENCY_LIGHT = 'light';
export const LATENCY_HALF = 'half-plain-max';

/** Runs relay, latency and storm for every subject; plain goes first, its maximum sets the "half" load. */
export async function runSocketWorkloads(runContext: RunContext): Promise<void> {
  const { manyReceivers, lightRate } = runContext.config;
  const relayVariants = [relayVariant(1), relayVariant(manyReceivers)];
  let plainMax: number | null = null;
  for (const subject of runContext.subjects) {
    const context = contextFor(runContext, subject);
    const server = await startServer(subject, newRunId(subject.id.replace(/\W/g, '_'))).catch((error: unknown) => {
      recordUnavailable(context, 'relay', subject.id, relayVariants, error);
      recordUnavailable(context, 'latency', subject.id, [LATENCY_LIGHT, LATENCY_HALF], error);
      recordUnavailable(context, 'storm', subject.id, ['storm'], error);
      return null;
    });
    if (!server) continue;
    try {
      // The client process is shared by every subject; warm it once on the first subject, or
      // the first baseline would be measured on a cold JIT and every ratio would flatter Roomlog.
      if (subject === runContext.subjects[0]) await relayCase(context, server, subject, manyReceivers, new AbortController().signal);
      // And every server warms its own JIT (see `serverWarmup`): without it a later subject's
      // server was measured cold against a warm baseline (the #19 "regression" of MemoryStore at
      // 1 receiver in a quick run, 145.7 vs 51.8 µs/msg, was mostly that).
      const warmup = { ...context, config: { ...context.config, relayMessages: context.config.serverWarmup } };
      await relayCase(warmup, server, subject, 1, new AbortController().signal);
      await measure(context, 'relay', subject.id, relayVariant(1), (signal) => relayCase(context, server, subject, 1, signal));
      const many = await measure(context, 'relay', subject.id, relayVariant(manyReceivers), (signal) =>
        relayCase(context, server, subject, manyReceivers, signal),
      );
      if (subject.mode.kind === 'plain') plainMax = many?.messagesPerSec ?? null;
      await measure(context, 'latency', subject.id, LATENCY_LIGHT, (signal) => latencyCase(context, server, lightRate, signal));
      await measure(context, 'latency', subject.id, LATENCY_HALF, async (signal) => {
        if (plainMax === null) throw new Error('plain Socket.IO maximum not measured in this run');
        return latencyCase(context, server, plainMax / 2, signal);
      });
      await measure(context, 'storm', subject.id, 'storm', (signal) => stormCase(context, server, subject, signal));
    } finally {
      await server.stop();
    }
  }
}
