import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { checkHead, verifyChain, type VerifyResult } from '../../audit/verify.js';
import { LineageError } from '../../errors.js';
import { EventLog } from '../../log/event-log.js';
import { journalFiles } from '../../log/journal.js';
import { dbPath, Exit, EXIT, printJson } from '../common.js';
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
    .addHelpText('after', '\nExamples:\n  lineage verify\n  lineage head > head.json   # later:\n  lineage verify --expect-head head.json --json\n')
    .action(async (opts: { expectHead?: string; json?: boolean }) => {
      const path = dbPath(program);
      const expected = opts.expectHead === undefined ? undefined : await readHead(opts.expectHead);
      if (!existsSync(join(path, 'log'))) throw new LineageError('LEDGER_NOT_FOUND', `no ledger at ${path}; pass --db or set LINEAGE_DB`);
      // A ledger killed in 'journal' mode may hold acknowledged events in its journal only: verify walks
      // LevelDB's log as it is, and says so, since the next open writes them there.
      if (journalFiles(path).length > 0) {
        process.stderr.write(`lineage: verify: ${path} has a journal (it was not closed cleanly in 'journal' mode): events in it are not in the log verified here; open the ledger once (e.g. \`lineage --db ${path} stats\`) to write them, then verify again\n`);
      }
      const log = await EventLog.openForAudit(path);
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
      if (opts.json) printJson(result);
      else if (result.ok) {
        process.stdout.write(`ok: ${result.events} events, head ${result.head.seq} ${result.head.hash}${expected ? ' (matches the expected head)' : ''}\n`);
      } else {
        process.stdout.write(`NOT INTACT: first bad event ${result.firstBad!.seq}: ${result.firstBad!.reason}\n`);
      }
      if (!result.ok) {
        process.stderr.write(`lineage: verify: event ${result.firstBad!.seq}: ${result.firstBad!.reason}\n`);
        throw new Exit(EXIT.no);
      }
    });
}

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
