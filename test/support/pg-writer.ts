// A child process for the PostgreSQL reliability tests: one of several writers appending to one
// ledger URL at once. Writes one line per acknowledged file, then "done"; on a line on stdin it
// syncs with the database and prints its projection's head, so the parent can compare every writer's.
//   node pg-writer.js URL COUNT TAG WORKERS
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { File, open, Transform } from 'lineage-ledger';

const [url, countText, tag, workersText] = process.argv.slice(2) as [string, string, string, string];
const count = Number(countText);
const workers = Number(workersText ?? 4);
// writeSync: the line is in the pipe before the next append is even attempted.
const say = (line: string) => writeSync(1, `${line}\n`);

const ledger = await open(url);
await ledger.track(new Transform({ name: 'pg-writer', version: '1' }), { name: tag });
say(`open ${ledger.head.seq}`);
let next = 0;
async function worker(): Promise<void> {
  for (let i = next++; i < count; i = next++) {
    const name = `${tag}-${i}.txt`;
    try {
      const file = await ledger.add(new File(Buffer.from(`${name} ${'x'.repeat(i % 50)}`), { name }));
      say(`ack ${name} ${file.id}`);
    } catch (err) {
      say(`error ${(err as { code?: string }).code} ${name} ${JSON.stringify((err as Error).message)}`);
    }
  }
}
await Promise.all(Array.from({ length: workers }, worker));
// Its run ends now, so that closing appends nothing after the heads are compared.
await ledger.finish();
say('done');
const lines = createInterface({ input: process.stdin });
for await (const _ of lines) {
  await ledger.sync();
  say(`head ${ledger.head.seq} ${ledger.head.hash} ${ledger.stats().files}`);
  break;
}
await ledger.close();
say('closed');
// stdin (the parent's pipe) would keep the process alive.
process.exit(0);
