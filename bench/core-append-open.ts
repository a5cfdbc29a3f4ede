// First figure of the core (issue 2): append N file.created events through the public API, then
// open the ledger again (a full replay). Usage: node dist/bench/core-append-open.js [N] [durability]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { File, open, Transform, type Durability } from 'lineage-ledger';

const n = Number(process.argv[2] ?? 100_000);
const durability = (process.argv[3] ?? 'batched') as Durability;
const dir = mkdtempSync(join(tmpdir(), 'lineage-bench-'));
try {
  const ln = await open(join(dir, 'ledger'), { durability });
  await ln.track(new Transform({ name: 'bench' }));
  const t0 = performance.now();
  // 64 concurrent adders, as an orchestrator would: group commit batches what arrives together.
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < n) {
        const i = next++;
        await ln.add(new File(Buffer.from(`content of file ${i}`), { name: `file-${i}.txt` }));
      }
    }),
  );
  const appendMs = performance.now() - t0;
  const events = ln.head.seq;
  await ln.close();
  const t1 = performance.now();
  const again = await open(join(dir, 'ledger'));
  const openMs = performance.now() - t1;
  const rss = process.memoryUsage().rss;
  await again.close();
  console.log(
    JSON.stringify({
      files: n,
      events,
      durability,
      appendSeconds: +(appendMs / 1000).toFixed(2),
      appendEventsPerSecond: Math.round(n / (appendMs / 1000)),
      openSeconds: +(openMs / 1000).toFixed(2),
      openEventsPerSecond: Math.round(events / (openMs / 1000)),
      rssMiB: Math.round(rss / 2 ** 20),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
