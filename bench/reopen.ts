// `node dist/bench/reopen.js [--events N] [--reps R]`: queries on a folder ledger reopened from its
// checkpoint beside the same events applied live, in the same process, interleaved, in CPU µs per
// call (the machine is shared: wall time counts waiting for a core). Query keys are given two ways:
// the workload's own strings (which the live ledger holds as its keys: the same objects) and copies
// parsed from JSON (as a user's keys come, from a request or a file), so that neither ledger is
// favoured by string identity.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { open, type Ledger } from '../lib/ledger.js';
import { File, Run, Transform } from '../lib/model/records.js';
import { tempDir } from '../test/helpers.js';
import { cpuLatency, summarize } from './harness.js';
import { appendValidated } from './suite.js';
import { generateWorkload } from './workload.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '100000' }, reps: { type: 'string', default: '5' }, calls: { type: 'string', default: '100000' } } });
const n = Number(values.events);
const reps = Number(values.reps);
const calls = Number(values.calls);
const w = generateWorkload({ events: n, seed: 42, chainLength: Math.min(1000, Math.floor(n / 10)) });
const { dir, cleanup } = tempDir('lineage-reopen-');
try {
  const live = await open(`${dir}/live`);
  await appendValidated(live, w.events);
  const writer = await open(`${dir}/reopened`);
  await appendValidated(writer, w.events);
  await writer.close();
  const t0 = performance.now();
  const reopened = await open(`${dir}/reopened`);
  const openMs = performance.now() - t0;
  if (reopened.loadReport.from !== reopened.head.seq) throw new Error(`checkpoint not used: ${JSON.stringify(reopened.loadReport)}`);
  const parsed = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
  const keys = { workload: { typical: w.typicalFile.id, tip: w.chainTip.id, fileIds: w.fileIds, names: w.fileNames, runIds: w.runIds }, parsed: parsed({ typical: w.typicalFile.id, tip: w.chainTip.id, fileIds: w.fileIds, names: w.fileNames, runIds: w.runIds }) };
  const k = w.fileIds.length;
  type Q = [string, number, (l: Ledger, i: number) => unknown];
  const queries = (key: typeof keys.workload): Q[] => [
    ['select(File, { id }).one(), one file', calls, (l) => l.select(File, { id: key.typical }).one()],
    ['q1 producer of a file by name', calls, (l, i) => l.select(File, { name: key.names[i % k]! }).one().run!.id],
    ['q2 transform of a run', calls, (l, i) => l.select(Run, { id: key.runIds[i % key.runIds.length]! }).one().transform.id],
    ['q3 consumers of a file', calls, (l, i) => l.select(File, { id: key.fileIds[i % k]! }).one().inputOf.length + 1],
    ['lineage(typical file, upstream)', calls / 20, (l) => l.lineage(l.select(File, { id: key.typical }).one(), { direction: 'upstream' }).nodes.length],
    ['lineage(chain tip, upstream)', Math.max(5, calls / 1000), (l) => l.lineage(l.select(File, { id: key.tip }).one(), { direction: 'upstream' }).nodes.length],
    ['select(Transform).join(Run).join(File, { name })', calls, (l, i) => l.select(Transform).join(Run).join(File, { name: key.names[i % k]! }).all().length],
  ];
  const loads: number[] = [];
  console.log(`${reopened.head.seq} events; open of the folder ledger from its checkpoint: ${openMs.toFixed(0)} ms`);
  console.log('| query | keys | reopened µs (CPU) | built live µs (CPU) | reopened / live |\n| --- | --- | ---: | ---: | ---: |');
  for (const [how, key] of Object.entries(keys)) {
    for (const [name, c, q] of queries(key)) {
      const a: number[] = [];
      const b: number[] = [];
      // Alternating which goes first, so that neither always follows the other's garbage.
      for (let r = 0; r < reps; r++) {
        loads.push(loadavg()[0]!);
        if (r % 2) {
          b.push(cpuLatency(c, (i) => q(live, i)));
          a.push(cpuLatency(c, (i) => q(reopened, i)));
        } else {
          a.push(cpuLatency(c, (i) => q(reopened, i)));
          b.push(cpuLatency(c, (i) => q(live, i)));
        }
      }
      const x = summarize(a).median;
      const y = summarize(b).median;
      console.log(`| ${name} | ${how} | ${x.toFixed(3)} | ${y.toFixed(3)} | ${(x / y).toFixed(2)}× |`);
    }
  }
  console.log(`load average during the queries: median ${summarize(loads).median.toFixed(1)} (${reps} interleaved repetitions, medians)`);
  await Promise.all([live.close(), reopened.log.close()]);
} finally {
  cleanup();
}
