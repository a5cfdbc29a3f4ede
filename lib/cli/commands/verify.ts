import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { checkHead, verifyChain, type VerifyResult } from '../../audit/verify.js';
import { LineageError } from '../../errors.js';
import { EventLog } from '../../log/event-log.js';
import { journalFiles } from '../../log/journal.js';
import { PgLog } from '../../log/pg-log.js';
import { isPgUrl, parsePgUrl } from '../../log/pg-url.js';
import { dbPath, Exit, EXIT, printJson, withLedger } from '../common.js';
import { withProgress } from '../progress.js';

/**
 * `lineage verify`: walks the stored bytes of the log without replaying it, so that a damaged ledger,
 * which may no longer open, still gets a verdict naming its first bad seq. Exit 0 intact, 1 not.
 */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('check the hash chain over the stored bytes: exit 0 when intact, 1 naming the first bad seq')
    .option('--expect-head <file>', 'a head saved earlier with `lineage head`: the log must still reach it')
    .option('--json', 'print the result as JSON')
    .option('--contents', 'then check every stored content against its hash: erased by an event, missing, or changed')
    .addHelpText('after', '\nExamples:\n  lineage verify\n  lineage verify --contents\n  lineage head > head.json   # later:\n  lineage verify --expect-head head.json --json\n')
    .action(async (opts: { expectHead?: string; json?: boolean; contents?: boolean }) => {
      const path = dbPath(program);
      const expected = opts.expectHead === undefined ? undefined : await readHead(opts.expectHead);
      if (!isPgUrl(path) && !existsSync(join(path, 'log'))) throw new LineageError('LEDGER_NOT_FOUND', `no ledger at ${path}; pass --db or set LINEAGE_DB`);
      // A ledger killed in 'journal' mode may hold acknowledged events in its journal only: verify walks
      // LevelDB's log as it is, and says so, since the next open writes them there.
      if (!isPgUrl(path) && journalFiles(path).length > 0) {
        process.stderr.write(`lineage: verify: ${path} has a journal (it was not closed cleanly in 'journal' mode): events in it are not in the log verified here; open the ledger once (e.g. \`lineage --db ${path} stats\`) to write them, then verify again\n`);
      }
      // On PostgreSQL the raw rows are read as they are, whatever the projection would make of them.
      const log = isPgUrl(path) ? await PgLog.open(parsePgUrl(path)) : await EventLog.openForAudit(path);
      let result: VerifyResult;
      try {
        const ledgerId = log.info.ledgerId;
        if (expected?.ledgerId && ledgerId && expected.ledgerId !== ledgerId) {
          throw new LineageError('INVALID_ARGUMENT', `${opts.expectHead} is the head of ledger ${expected.ledgerId}, not of ${path} (ledger ${ledgerId})`);
        }
        const total = log.head.seq;
        // A large log takes a while: a bar on stderr when it is a terminal, nothing otherwise.
        result = await withProgress('verifying', (p) =>
          verifyChain(log.readRaw(), { expectHead: expected?.head, onProgress: ({ done }) => p.update(done, total) }, total),
        );
      } finally {
        await log.close();
      }
      // Contents are checked through the ledger, once the chain is known intact.
      const contents = opts.contents && result.ok ? await withLedger(program, (ledger) => ledger.verifyContents()) : undefined;
      if (opts.json) printJson(contents ? { ...result, contents } : result);
      else if (result.ok) {
        process.stdout.write(`ok: ${result.events} events, head ${result.head.seq} ${result.head.hash}${expected ? ' (matches the expected head)' : ''}\n`);
      } else {
        process.stdout.write(`NOT INTACT: first bad event ${result.firstBad!.seq}: ${result.firstBad!.reason}\n`);
      }
      if (!result.ok) {
        process.stderr.write(`lineage: verify: event ${result.firstBad!.seq}: ${result.firstBad!.reason}\n`);
        throw new Exit(EXIT.no);
      }
      if (contents) {
        if (!opts.json) process.stdout.write(`contents: ${contents.checked} checked, ${contents.erased} erased by an event, ${contents.lineageOnly} never stored, ${contents.problems.length} problem(s)\n`);
        for (const p of contents.problems) process.stderr.write(`lineage: verify: ${p.name} (${p.fileId}): ${PROBLEM[p.problem]}\n`);
        if (!contents.ok) throw new Exit(EXIT.no);
      }
    });
}

const PROBLEM = {
  missing: 'its content is missing from the store (restore it from a backup)',
  corrupt: 'its stored content does not match its recorded hash',
  'erased-but-present': 'erased by an event, but its bytes are still stored (an interrupted erase): run `lineage rm ID --permanent` again',
} as const;

async function readHead(file: string): Promise<{ head: { seq: number; hash: string }; ledgerId?: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new LineageError('FILE_NOT_FOUND', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
  }
  let json: { ledgerId?: unknown };
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new LineageError('INVALID_ARGUMENT', `${file} is not JSON; save it with \`lineage head > ${file}\``, { cause: err });
  }
  const head = checkHead(json)!;
  return { head, ledgerId: typeof json.ledgerId === 'string' ? json.ledgerId : undefined };
}
