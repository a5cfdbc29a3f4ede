// The README's test command: builds, runs every uvu suite under dist/test, and ends with the one
// line CI reads: "N passed, N failed". Each test file runs in its own uvu process so that one
// crashing file cannot hide the others, and a whole-run deadline stops a hung suite.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const filter = process.argv[2] ? new RegExp(process.argv[2]) : /./;
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js') && filter.test(relative(root, p))) files.push(p);
  }
})(join(root, 'dist', 'test'));

// One throwaway PostgreSQL for the whole run (the suites that run on several stores, the pg tests):
// each file gets its own ledgers (and databases) in it; tests that stop a server start their own.
const { startPostgres, SHARED_ENV } = await import(join(root, 'dist', 'test', 'support', 'postgres.js'));
let cluster;
try {
  cluster = await startPostgres();
  process.env[SHARED_ENV] = `${cluster.port}:${cluster.password}`;
} catch (err) {
  process.stdout.write(`could not start the test PostgreSQL (${err?.message ?? err}); each file that needs one starts its own\n`);
}

const deadlineMs = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 15 * 60_000);
const lingerMs = 30_000;
let passed = 0;
let failed = 0;
let skippedAll = 0;
for (const file of files) {
  const rel = relative(root, file);
  const result = await new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'node_modules', 'uvu', 'bin.js'), join(root, 'dist', 'test'), `^${relative(join(root, 'dist', 'test'), file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    // A file whose tests are done but whose process stays (a ledger or pool a failed test left open)
    // is told apart from a slow one: it gets a short grace after uvu's summary, then fails as hung.
    let lingering;
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
      if (!lingering && /Duration:/.test(out.replace(/\x1b\[[0-9;]*m/g, ''))) {
        lingering = setTimeout(() => {
          process.stdout.write(`\n${rel}: still running ${lingerMs} ms after its summary (a handle left open); stopped\n`);
          child.kill('SIGKILL');
        }, lingerMs);
      }
    });
    const timer = setTimeout(() => {
      process.stdout.write(`\n${rel}: timed out after ${deadlineMs} ms\n`);
      child.kill('SIGKILL');
    }, deadlineMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      clearTimeout(lingering);
      resolve({ code, out });
    });
  });
  const clean = result.out.replace(/\x1b\[[0-9;]*m/g, '');
  const total = Number(/Total:\s+(\d+)/.exec(clean)?.[1] ?? 0);
  const ok = Number(/Passed:\s+(\d+)/.exec(clean)?.[1] ?? 0);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(clean)?.[1] ?? 0);
  passed += ok;
  skippedAll += skipped;
  // uvu's Total leaves out tests registered with skip (and counts those a committed .only hides,
  // which then fail loudly). A file that exits badly without uvu's summary counts as one failure,
  // so a crash is never silent.
  const bad = total - ok;
  failed += bad > 0 ? bad : result.code !== 0 ? 1 : 0;
  if (result.code !== 0) process.stdout.write(`\n✘ ${rel} exited with ${result.code}\n`);
}
await cluster?.dispose();
console.log(`\n${passed} passed, ${failed} failed${skippedAll ? `, ${skippedAll} skipped` : ''}`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
