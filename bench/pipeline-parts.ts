// Where an awaited pipeline call spends its time, part by part: `node dist/bench/pipeline-parts.js [--n N] [--durability D] [--only disk|memory]`.
// Each part is timed alone, in a loop of N awaited calls, on a disk ledger ('batched' unless told) and in memory.
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ClassicLevel } from 'classic-level';
import { validateInput } from '../lib/events/catalog.js';
import type { EventInput } from '../lib/events/types.js';
import { type Durability, File, open, Transform, type Ledger } from '../lib/index.js';
import { seal } from '../lib/log/envelope.js';
import { summarize } from './harness.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '2000' }, reps: { type: 'string', default: '5' }, durability: { type: 'string', default: 'batched' }, only: { type: 'string' } } });
const N = Number(values.n);
const root = mkdtempSync(join(tmpdir(), 'lineage-parts-'));
let k = 0;
const uniq = () => `${process.pid}-${k++}`;

/**
 * µs per call of `fn`, awaited one after another: wall time, and this process's CPU time (on a
 * shared machine the CPU time moves less; wall time also counts waiting for LevelDB's thread).
 * Medians over reps.
 */
async function per(fn: (i: number) => unknown): Promise<[number, number]> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < Number(values.reps); r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await fn(i);
    wall.push(((performance.now() - t0) * 1000) / N);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / N);
  }
  return [summarize(wall).median, summarize(cpu).median];
}

const lines: [string, number, number][] = [];
const note = (what: string, [wall, cpu]: [number, number]) => {
  lines.push([what, wall, cpu]);
  process.stderr.write(`… ${what}: ${wall.toFixed(2)} µs, CPU ${cpu.toFixed(2)} µs\n`);
};

try {
  // The raw floor: one awaited LevelDB batch write of an event-sized value.
  const db = new ClassicLevel<string, Uint8Array>(join(root, 'raw'), { valueEncoding: 'view' });
  await db.open();
  const value = Buffer.alloc(400, 97);
  note('classic-level: awaited chained batch of one 400 B put', await per((i) => db.batch().put(String(i).padStart(16, '0'), value).write()));
  note('classic-level: awaited get', await per((i) => db.get(String(i % N).padStart(16, '0'))));
  await db.close();
  note('await of a resolved promise', await per(() => Promise.resolve()));
  const als = new AsyncLocalStorage<object>();
  note('AsyncLocalStorage.run + an await inside', await per(() => als.run({}, async () => als.getStore())));

  const event: EventInput = { type: 'file.created', data: { id: 'abcdefghijklmnop', name: 'sample-1.csv', suffix: '.csv', size: 120, hash: 'a'.repeat(64), key: `inline/${'a'.repeat(64)}`, runId: 'qrstuvwxyzabcdef' } };
  note('ajv: validateInput of a file.created', await per(() => validateInput(event)));
  note('sealing: canonical JSON + SHA-256 of a file.created', await per(() => seal(1, event.type, 1, new Date().toISOString(), event.data, 'b'.repeat(64))));

  for (const where of ['disk', 'memory'] as const) {
    if (values.only && values.only !== where) continue;
    const ledger: Ledger = await open(where === 'memory' ? { memory: true } : { path: join(root, `l-${uniq()}`), durability: values.durability as Durability });
    const [t] = await ledger.add([new Transform({ name: 'step' })]);
    const e = (i: number): EventInput => ({ type: 'transform.registered', data: { id: `t${uniq()}`.padEnd(16, 'x'), name: `x${i}`, version: '1', type: 'pipeline' } });
    note(`${where}: log.append of one event (validated)`, await per((i) => {
      const x = e(i);
      return ledger.log.append([x], [validateInput(x)]);
    }));
    note(`${where}: ledger.run(t, empty fn) (2 events)`, await per(() => ledger.run(t!, () => undefined)));
    const names: string[] = [];
    await ledger.run(t!, async () => {
      note(`${where}: add(new File(content)) in a run (1 event)`, await per((i) => {
        const name = `f-${uniq()}.csv`;
        if (i < 64) names.push(name);
        return ledger.add(new File(Buffer.from(name), { name }));
      }));
      note(`${where}: select(File, { name }).one() (no event)`, await per((i) => ledger.select(File, { name: names[i % names.length]! }).one()));
      const held = names.map((name) => ledger.select(File, { name }).one());
      note(`${where}: file.load() (no event)`, await per((i) => held[i % held.length]!.load()));
    });
    // Each load as input in a run of its own, so that each one writes its event.
    let i = 0;
    const held = names.map((name) => ledger.select(File, { name }).one());
    note(`${where}: ledger.run(t, load one input) (3 events)`, await per(() => ledger.run(t!, () => held[i++ % held.length]!.load({ isRunInput: true }))));
    await ledger.close();
  }
  console.log('| part | µs per awaited call | of which CPU (main thread + LevelDB threads) |\n| --- | ---: | ---: |');
  for (const [what, wall, cpu] of lines) console.log(`| ${what} | ${wall.toFixed(1)} | ${cpu.toFixed(1)} |`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
