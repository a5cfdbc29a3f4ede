// A child process for the crash tests: appends events from concurrent scoped runs and outside any run, forever, and
// writes one line per acknowledged event on stdout, until the parent kills it with SIGKILL.
//   node crash-child.js LEDGER DURABILITY TAG [sparse]
// sparse: one scoped run at a time, with pauses between runs, beside the adds outside any run: in
// 'batched', LevelDB has caught up with the runs' appends between runs, so the adds outside a run
// then skip the journal, and those LevelDB fsyncs before the next run's first frame leave gaps in it.
import { writeSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { open, File, Transform, type Durability } from 'lineage-ledger';
import { contentOf } from './crash-content.js';

const [path, durability, tag, shape] = process.argv.slice(2) as [string, Durability, string, string | undefined];
const sparse = shape === 'sparse';
// writeSync: the line is in the pipe before the next event is even attempted.
const say = (line: string) => writeSync(1, `${line}\n`);

const ledger = await open(path, { durability });
say(`open ${ledger.head.seq}`);
const scratch = join(path, '..', `scratch-${tag}`);
mkdirSync(scratch, { recursive: true });
const transforms = [new Transform({ name: 'crash-a', version: '1' }), new Transform({ name: 'crash-b', version: '2' })];

let n = 0;
async function worker(w: number): Promise<void> {
  for (;;) {
    const t = transforms[w % transforms.length]!;
    // Each run carries a reference from its start (in the start's batch), and each file a label.
    const run = await ledger.run(t, async (r) => {
      say(`ack run-started ${r.id} ${ledger.head.seq} ${r.reference}`);
      for (let i = 0; i < 3; i++) {
        const name = `${tag}-${w}-${n++}.txt`;
        // Now and then a large content, stored as a file under objects/ before its event.
        const big = n % 17 === 0;
        let file: File;
        if (big) {
          const p = join(scratch, name);
          writeFileSync(p, contentOf(name, true));
          file = new File(p);
        } else {
          // Every fifth small file under a key (a new version of the key's latest) with a description.
          file = new File(contentOf(name, false), n % 5 === 0 ? { name, key: `crash/${tag}/${w % 3}`, description: `written by worker ${w}` } : { name });
        }
        await ledger.add(file);
        say(`ack file ${file.id} ${ledger.head.seq} ${name} ${big ? 'big' : 'small'}`);
        if (n % 11 === 0) {
          // To the trash, then erased: the erase's event is acknowledged before its bytes go.
          await file.delete();
          await file.delete({ permanent: true });
          say(`ack erased ${file.id} ${ledger.head.seq}`);
        }
        await file.labels.add(`label-${w}`);
        say(`ack label ${file.id} ${ledger.head.seq} label-${w}`);
        const earlier = ledger.select(File).offset(Math.floor(Math.random() * 10)).first();
        if (earlier && !r.outputs.some((o) => o.id === earlier.id)) {
          // Another worker may have erased it meanwhile: then it is not read.
          const read = await earlier.load({ isRunInput: true }).then(
            () => true,
            (e: { code?: string }) => {
              if (e?.code !== 'CONTENT_ERASED') throw e;
              return false;
            },
          );
          if (read) say(`ack input ${earlier.id} ${r.id} ${ledger.head.seq}`);
        }
      }
      return r;
    }, { reference: `ref-${tag}-${w}`, referenceType: 'crash' });
    say(`ack run-finished ${run.id} ${ledger.head.seq}`);
    // Longer than the 200 ms within which LevelDB is fsynced: the adds outside a run made before the fsync ride in no frame.
    if (sparse) await new Promise((r) => setTimeout(r, 250 + Math.random() * 100));
  }
}

// Outside any run scope: each add is acknowledged only once LevelDB holds it (in 'batched', as a run's finish).
async function loose(): Promise<void> {
  for (let i = 0; ; i++) {
    const name = `${tag}-loose-${i}.txt`;
    const file = await ledger.add(new File(contentOf(name, false), { name }));
    say(`ack loose ${file.id} ${ledger.head.seq} ${name} small`);
  }
}

await Promise.all([...(sparse ? [0] : [0, 1, 2, 3, 4, 5]).map(worker), loose()]);
