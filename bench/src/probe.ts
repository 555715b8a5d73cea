import { openStore } from './backends';
import { newRunId } from './env';
import { seedStream } from './workloads/history';
const o = await openStore((process.argv[2] ?? 'mongo') as 'mongo', newRunId('probe'));
try {
  for (const n of [1_000, 2_000]) {
    const t0 = Date.now();
    const s = await seedStream(o.store, n);
    console.log(n, 'seeded in', Date.now() - t0, 'ms; head', (await o.store.head(s))?.seq);
    for (const q of [{ after: 5000, limit: 50 }, { before: 5000, limit: 50 }, { limit: 50 }]) {
      const t = Date.now();
      const r = await o.store.read(s, q);
      console.log(JSON.stringify(q), r.messages.length, Date.now() - t, 'ms');
    }
  }
} finally {
  await o.close();
}
