// `npm run bench:pipeline [-- --events N --reps R --ingest-reps R]`: the public-API pipeline benchmark beside SQLite.
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import type { Durability } from '../lib/index.js';
import { markdownTable } from './harness.js';
import { runPipelineSuite } from './pipeline.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '50000' },
    seed: { type: 'string', default: '42' },
    reps: { type: 'string', default: '5' },
    'ingest-reps': { type: 'string' },
    chain: { type: 'string', default: '1000' },
    calls: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '16' },
    keep: { type: 'string' },
    'build-only': { type: 'boolean', default: false },
    durability: { type: 'string', default: 'batched' },
  },
});
const options = {
  events: Number(values.events),
  seed: Number(values.seed),
  reps: Number(values.reps),
  ingestReps: Number(values['ingest-reps'] ?? values.reps),
  chainLength: Number(values.chain),
  calls: Number(values.calls),
  concurrency: Number(values.concurrency),
  ...(values.keep ? { keep: values.keep } : {}),
  buildOnly: values['build-only'],
  durability: values.durability.split(',') as Durability[],
  log: (line: string) => process.stderr.write(`… ${new Date().toISOString().slice(11, 19)} ${line}\n`),
};
const result = await runPipelineSuite(options);
const p = result.plan;
console.log(`lineage-ledger pipeline benchmark, ${new Date().toISOString().slice(0, 16)}Z: ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}, load average ${result.load.min.toFixed(1)}–${result.load.max.toFixed(1)}`);
console.log(`\`npm run bench:pipeline -- --events ${options.events} --seed ${options.seed} --reps ${options.reps} --ingest-reps ${options.ingestReps}${values.durability === 'batched' ? '' : ` --durability ${values.durability}`}\`: ${p.events.toLocaleString('en-US')} events (${p.transforms} transforms, ${p.runs} runs, ${p.files} files, ${p.inputs} inputs, a chain of ${p.chainLength} runs); medians of interleaved repetitions.\n`);
console.log(markdownTable(result.rows));
