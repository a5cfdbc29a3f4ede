import type { Command } from 'commander';
import { printJson, withLedger } from '../common.js';

/** `lineage head`: the last event's seq and hash with the ledger id, as JSON to keep outside the ledger. */
export function registerHead(program: Command): void {
  program
    .command('head')
    .description('print the head (last seq and hash) and the ledger id as JSON, to keep for `lineage verify --expect-head`')
    .addHelpText('after', '\nExamples:\n  lineage head > head.json\n  lineage verify --expect-head head.json\n')
    .action(async () => {
      await withLedger(program, async (ledger) => {
        printJson({ ...ledger.head, ledgerId: ledger.info.ledgerId });
      });
    });
}
