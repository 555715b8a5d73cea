/**
 * Database outage (issue 9, part 2): the database, a server the test starts on its own port, is
 * killed for 3 s while 20 clients send. Sends during the outage are answered
 * `{ ok: false, error: { code: 'UNAVAILABLE' } }` within two driver timeouts (1.5 s each: the
 * batch in flight, then the probe's own) plus 1 s,
 * the server's heap stays within 64 MiB of where it was, and after the restart the clients'
 * retries store every message exactly once.
 */
import { describe, expect, it } from 'vitest';
import type { DurableBackend } from '../src/backends';
import { runOutage } from '../src/outage';
import { formatFigures } from '../src/verify';

const backends: DurableBackend[] = ['redis', 'postgres', 'mongo'];

describe.each(backends)('outage: %s', (backend) => {
  it('fails sends fast with UNAVAILABLE, stays bounded, and stores every retried message once', async () => {
    const report = await runOutage({ backend, clients: 20, messagesPerClient: 30, outageMs: 3_000, timeoutMs: 1_500 });
    console.log(formatFigures(`outage ${backend}`, report.figures, { ...report.timings }));
    expect(report.problems).toEqual([]);
    expect(report.timings.probes).toBeGreaterThan(0);
    expect(report.figures).toMatchObject({ sent: 600, acked: 600, lost: 0, duplicates: 0, failed: 0 });
  });
});
