/**
 * The long runs, with printed figures:
 *
 * - `pnpm test:chaos [--full] [--backend redis|postgres|mongo]`: crash runs (SIGKILL of the
 *   server) and database-outage runs. Without `--full`: the CI sizes (20 clients × 100
 *   messages, 5 kills). With `--full`: 20 clients × 250 messages (5,000), 10 kills.
 * - `pnpm soak [--seconds 60] [--clients 200] [--rooms 20] [--rate 1] [--backend redis]`.
 */
import { parseArgs } from 'node:util';
import type { DurableBackend } from './backends';
import { runCrash } from './crash';
import { runOutage } from './outage';
import { runSoak } from './soak';
import { brokenPromise, formatFigures } from './verify';

const BACKENDS: readonly DurableBackend[] = ['redis', 'postgres', 'mongo'];

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    full: { type: 'boolean', default: false },
    backend: { type: 'string', multiple: true },
    seconds: { type: 'string', default: '60' },
    clients: { type: 'string', default: '200' },
    rooms: { type: 'string', default: '20' },
    rate: { type: 'string', default: '1' },
  },
});
const backends = (values.backend ?? BACKENDS) as DurableBackend[];
let failed = false;

async function chaos(): Promise<void> {
  const size = values.full ? { messagesPerClient: 250, kills: 10 } : { messagesPerClient: 100, kills: 5 };
  for (const backend of backends) {
    const crash = await runCrash({ backend, clients: 20, ...size });
    console.log(formatFigures(`crash ${backend}`, crash));
    failed ||= brokenPromise(crash) !== null;
    const outage = await runOutage({ backend, clients: 20, messagesPerClient: values.full ? 100 : 30 });
    console.log(formatFigures(`outage ${backend}`, outage.figures, { ...outage.timings }));
    failed ||= !outage.passed;
  }
}

async function soak(): Promise<void> {
  const report = await runSoak({
    backend: backends[0] ?? 'redis',
    seconds: Number(values.seconds),
    clients: Number(values.clients),
    rooms: Number(values.rooms),
    ratePerClient: Number(values.rate),
    onSample: (line) => console.log(line),
  });
  console.log(report.summary);
  failed ||= !report.passed;
}

const command = positionals[0];
if (command === 'chaos') await chaos();
else if (command === 'soak') await soak();
else {
  console.error('usage: cli.ts chaos [--full] [--backend NAME] | soak [--seconds N] [--clients N] [--rooms N] [--rate N]');
  process.exit(2);
}
process.exit(failed ? 1 : 0);
