// `npm run bench [-- --events N --seed S --reps R]`: the benchmark suite, as a markdown table.
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { markdownTable } from './harness.js';
import { runSuite } from './suite.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '50000' },
    seed: { type: 'string', default: '42' },
    reps: { type: 'string', default: '5' },
    chain: { type: 'string', default: '1000' },
    calls: { type: 'string', default: '20000' },
  },
});
const events = Number(values.events);
const options = {
  events,
  seed: Number(values.seed),
  reps: Number(values.reps),
  chainLength: Number(values.chain),
  syncEvents: Math.min(events, 5000),
  syncBaselineEvents: Math.min(events, 300),
  calls: Number(values.calls),
  log: (line: string) => process.stderr.write(`… ${line}\n`),
};
const result = await runSuite(options);
const w = result.workload;
console.log(`lineage-ledger benchmarks, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}`);
console.log(`\`npm run bench -- --events ${events} --seed ${options.seed} --reps ${options.reps}\`: ${w.events.toLocaleString('en-US')} events (${w.transforms} transforms, ${w.runs} runs, ${w.files} files, ${w.inputs} run inputs, a chain of ${w.chainLength} runs); medians of ${options.reps} interleaved repetitions.\n`);
console.log(markdownTable(result.rows));
