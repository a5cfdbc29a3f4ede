// Opens each ledger given on the command line, in this separate process, and prints one JSON line
// per ledger: what it answers, or the coded error, or the crash. With --repair, a ledger that fails
// with LEDGER_CORRUPT is repaired and probed again.   node probe.js [--repair] LEDGER...
import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';
import { File, LineageError, open, repair, type RepairReport } from 'lineage-ledger';
import { answers, checkStored } from './hostile.js';

/** What opening a ledger gave: its answers, or the coded error, or the crash. */
export type Opened =
  | { ok: true; head: { seq: number; hash: string }; events: number; digest: string; loads: string[] }
  | { ok: false; code: string; message: string }
  | { ok: false; crash: string };

/** One probe's outcome, and the repair's when there was one. */
export type Probe = Opened & { path: string; repaired?: RepairReport | { code: string; message: string } | { crash: string }; after?: Opened };

async function probe(path: string): Promise<Opened> {
  try {
    const ledger = await open(path);
    try {
      const events = await checkStored(ledger);
      const digest = createHash('sha256').update(JSON.stringify(answers(ledger))).digest('hex');
      const loads: string[] = [];
      for (const f of ledger.select(File).all()) {
        try {
          await f.load();
          loads.push('ok');
        } catch (err) {
          if (!(err instanceof LineageError)) throw err;
          loads.push(err.code);
        }
      }
      return { ok: true, head: ledger.head, events, digest, loads };
    } finally {
      await ledger.close();
    }
  } catch (err) {
    return failure(err);
  }
}

function failure(err: unknown): { ok: false; code: string; message: string } | { ok: false; crash: string } {
  return err instanceof LineageError ? { ok: false, code: err.code, message: err.message } : { ok: false, crash: (err as Error)?.stack ?? String(err) };
}

const args = process.argv.slice(2);
const withRepair = args[0] === '--repair';
for (const path of withRepair ? args.slice(1) : args) {
  const out: Probe = { path, ...(await probe(path)) };
  if (withRepair && !out.ok && 'code' in out && out.code === 'LEDGER_CORRUPT') {
    try {
      out.repaired = await repair(path);
      out.after = await probe(path);
    } catch (err) {
      const f = failure(err);
      out.repaired = 'crash' in f ? { crash: f.crash } : { code: f.code, message: f.message };
    }
  }
  writeSync(1, `${JSON.stringify(out)}\n`);
}
