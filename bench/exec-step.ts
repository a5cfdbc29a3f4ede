// What one `lineage exec` step costs by itself, with no other step waiting for the ledger: the CPU
// time (user + sys, from /usr/bin/time) and wall time of `lineage exec -- true` on a ledger that
// grows by one run per repetition, beside a bare `node -e 0` (Node's own start) and a bare `true`,
// interleaved over REPS repetitions. The CPU time is the figure that holds on a loaded machine: wall
// time there is mostly the wait for a core.
// Run: npm run build && node dist/bench/exec-step.js [REPS=15]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleave, summarize } from './harness.js';

const [reps = 15] = process.argv.slice(2).map(Number);
const MAIN = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));
const TIME = '/usr/bin/time';
if (!existsSync(TIME)) throw new Error('this benchmark reads CPU time from /usr/bin/time (apt-get install time)');
const dir = mkdtempSync(join(tmpdir(), 'bench-exec-step-'));
const cpu: Record<string, number[]> = { 'true': [], 'node -e 0': [], 'lineage exec -- true': [] };

function timed(name: string, argv: string[]): number {
  const r = spawnSync(TIME, ['-f', '%U %S', ...argv], { encoding: 'utf8', env: { ...process.env, LINEAGE_DB: join(dir, 'ledger') } });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  const [user, sys] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  cpu[name]!.push((user! + sys!) * 1000);
  return 0;
}

function wall(name: string, argv: string[]): number {
  const t0 = performance.now();
  timed(name, argv);
  return performance.now() - t0;
}

try {
  const load = loadavg()[0]!.toFixed(1);
  const walls = await interleave(reps, {
    'true': () => wall('true', ['true']),
    'node -e 0': () => wall('node -e 0', [process.execPath, '-e', '0']),
    'lineage exec -- true': () => wall('lineage exec -- true', [process.execPath, MAIN, 'exec', '--', 'true']),
  });
  console.log(`one step, ${reps} repetitions, load average ${load} at the start (medians, ms; CPU = user + sys):`);
  for (const name of Object.keys(cpu)) {
    const c = summarize(cpu[name]!);
    const w = summarize(walls[name as keyof typeof walls]);
    console.log(`  ${name.padEnd(22)} cpu ${c.median.toFixed(0).padStart(5)}   wall ${w.median.toFixed(0).padStart(5)}`);
  }
  const exec = summarize(cpu['lineage exec -- true']!).median;
  const node = summarize(cpu['node -e 0']!).median;
  console.log(`  lineage exec costs ${(exec / node).toFixed(1)}x the CPU of a bare Node start`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
