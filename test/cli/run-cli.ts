import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { File, open, Transform } from 'lineage-ledger';
import { tempDir } from '../helpers.js';

/** The built CLI entry, as `npx lineage` runs it. */
export const MAIN = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url));

/** What a CLI run printed and how it ended. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `lineage ARGS` as a child process, with NO_COLOR and LINEAGE_DB cleared unless `env` sets them. */
export function lineage(args: string[], env: Record<string, string> = {}, cwd?: string): CliResult {
  const base = { ...process.env };
  delete base.NO_COLOR;
  delete base.LINEAGE_DB;
  delete base.FORCE_COLOR;
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...base, ...env }, cwd, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `lineage ARGS` on a pseudo-terminal (util-linux `script`), so that stdout and stderr are TTYs. */
export function lineageOnTerminal(args: string[], env: Record<string, string> = {}): CliResult {
  const base = { ...process.env };
  delete base.NO_COLOR;
  const quoted = [process.execPath, MAIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('script', ['-qec', quoted, '/dev/null'], { encoding: 'utf8', env: { ...base, ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A demo ledger made by `lineage demo` in a fresh temporary folder. */
export function demoLedger(): { db: string; cleanup: () => void } {
  const { dir, cleanup } = tempDir('lineage-cli-');
  const db = join(dir, 'demo');
  const r = lineage(['--db', db, 'demo']);
  if (r.status !== 0) throw new Error(`lineage demo failed (${r.status}): ${r.stderr}`);
  return { db, cleanup };
}

/** True when `s` holds an ANSI escape sequence. */
export function hasAnsi(s: string): boolean {
  return /\x1b\[[0-9;]*[A-Za-z]/.test(s);
}

/** Names that break naive escaping in every format the CLI writes: quotes, markup, entities, escapes. */
export const HOSTILE = {
  transform: 'Evil "T" <script>alert(1)</script> & co #35; `x` \\N [a]{b}|c',
  input: "in'put <&amp;> \"q\".csv",
  output: 'out]}"/>.csv',
  params: { note: '</script><script>window.pwned = 1</script>', lines: 'one\ntwo\u001b[31m' },
} as const;

/** A ledger whose names and params are hostile: one run of HOSTILE.transform reads HOSTILE.input and writes HOSTILE.output. */
export async function hostileLedger(): Promise<{ db: string; cleanup: () => void }> {
  const { dir, cleanup } = tempDir('lineage-hostile-');
  const db = join(dir, 'hostile');
  const ln = await open(db);
  try {
    await ln.track(new Transform({ name: 'ingest' }));
    const input = await ln.add(new File(Buffer.from('input bytes'), { name: HOSTILE.input }));
    await ln.track(new Transform({ name: HOSTILE.transform, version: '<2>' }), { params: { ...HOSTILE.params } });
    await input.load({ isRunInput: true });
    await ln.add(new File(Buffer.from('output bytes'), { name: HOSTILE.output }));
  } finally {
    await ln.close();
  }
  return { db, cleanup };
}
