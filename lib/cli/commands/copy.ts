import type { Command } from 'commander';
import { copyLedger } from '../../storage/copy-ledger.js';
import { printJson } from '../common.js';
import { withProgress } from '../progress.js';

/** `lineage copy`: moves a ledger between a folder and PostgreSQL (either way), byte for byte, resumable. */
export function registerCopy(program: Command): void {
  program
    .command('copy')
    .description('copy a ledger (every event, byte for byte, and its contents) between folders and PostgreSQL; resumes an interrupted copy')
    .requiredOption('--from <ledger>', 'the ledger to copy: a folder or a postgres:// URL')
    .requiredOption('--to <ledger>', 'where to: an empty (or new) folder or ?ledger=, or one an interrupted copy left')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  lineage copy --from ./lineage --to postgres://me@db/lineage\n  lineage copy --from "postgres://me@db/lineage?ledger=prod" --to ./prod-copy --json\n')
    .action(async (opts: { from: string; to: string; json?: boolean }) => {
      const r = await withProgress('copying', (p) => copyLedger(opts.from, opts.to, { onProgress: (done, total) => p.update(done, total) }));
      if (opts.json) return printJson(r);
      const resumed = r.resumedAt > 0 ? ` (resumed after seq ${r.resumedAt})` : '';
      process.stdout.write(`copied ${r.copied} events${resumed} and ${r.contents} contents${r.missingContents > 0 ? ` (${r.missingContents} named but not stored: erased or never kept)` : ''}\n`);
      process.stdout.write(`from head ${r.from.seq} ${r.from.hash}\nto   head ${r.to.seq} ${r.to.hash}\n`);
    });
}
