// Interop figures: OpenLineage export, import and PROV export of a generated ledger, and forwarding
// to a local receiver. Run: npm run build && node dist/bench/interop.js [runs]
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { File, forwardOpenLineage, importOpenLineage, open, toJsonl, toOpenLineage, toProv, Transform } from 'lineage-ledger';

const runs = Number(process.argv[2] ?? 2000);
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;

const ln = await open({ memory: true, durability: 'none' });
const transforms = Array.from({ length: 20 }, (_, i) => new Transform({ name: `step ${i}`, version: '1' }));
let t = process.hrtime.bigint();
for (let i = 0; i < runs; i++) {
  await ln.run(transforms[i % transforms.length]!, async () => {
    if (i > 0) await ln.select(File, { name: `f${i - 1}a.csv` }).one().load({ isRunInput: true });
    await ln.add(new File(Buffer.from(`a${i}`), { name: `f${i}a.csv` }));
    await ln.add(new File(Buffer.from(`b${i}`), { name: `f${i}b.bam` }));
  });
}
console.log(`ledger: ${runs} runs, ${ln.head.seq} events, built in ${ms(t).toFixed(0)} ms`);

t = process.hrtime.bigint();
const events = await toOpenLineage(ln);
const exportMs = ms(t);
const jsonl = toJsonl(events);
console.log(`OpenLineage export: ${events.length} events in ${exportMs.toFixed(0)} ms (${((exportMs * 1000) / events.length).toFixed(1)} µs/event), ${(jsonl.length / 1e6).toFixed(1)} MB JSONL`);

t = process.hrtime.bigint();
const prov = toProv(ln);
console.log(`PROV export: ${Object.keys(prov.activity).length} activities in ${ms(t).toFixed(0)} ms`);

const copy = await open({ memory: true, durability: 'none' });
t = process.hrtime.bigint();
const report = await importOpenLineage(copy, jsonl);
const importMs = ms(t);
console.log(`OpenLineage import: ${report.events} events → ${report.appended} ledger events in ${importMs.toFixed(0)} ms (${((importMs * 1000) / report.events).toFixed(1)} µs/event)`);
t = process.hrtime.bigint();
const again = await importOpenLineage(copy, jsonl);
console.log(`re-import (nothing new, appended ${again.appended}): ${ms(t).toFixed(0)} ms`);
await copy.close();

let received = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received++;
    res.writeHead(201).end();
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const fwd = await forwardOpenLineage(ln, { url });
t = process.hrtime.bigint();
await fwd.flush({ timeoutMs: 600_000 });
const fwdMs = ms(t);
await fwd.stop();
console.log(`forwarding: ${received} POSTs in ${fwdMs.toFixed(0)} ms (${(received / (fwdMs / 1000)).toFixed(0)} events/s, one connection per event)`);
server.close();
await ln.close();
