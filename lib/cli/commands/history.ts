import type { Command } from 'commander';
import { printJson, styleFor, withLedger } from '../common.js';
import { EventTable, title } from '../render-events.js';
import { resolveRecord } from '../resolve.js';

/** `lineage history NAME|ID`: every event that made and changed one record, in log order. */
export function registerHistory(program: Command): void {
  program
    .command('history')
    .description('list the events that created and changed a file, run or transform, in log order')
    .argument('<name-or-id>', 'a file name or id, a run id, or a transform name or id')
    .option('--json', 'print the events as a JSON array')
    .addHelpText('after', '\nExamples:\n  lineage history output.bam\n  lineage history 3fQm2Ck9pXbT7aLs --json\n')
    .action(async (nameOrId: string, opts: { json?: boolean }) => {
      await withLedger(program, async (ledger) => {
        const record = resolveRecord(ledger, nameOrId, 'with');
        const events = await ledger.history(record);
        if (opts.json) return printJson(events);
        const style = styleFor(process.stdout);
        const table = new EventTable(ledger, style);
        process.stdout.write(`${title(record)}: ${events.length} event${events.length === 1 ? '' : 's'}\n${table.header()}\n${events.map((e) => table.line(e)).join('\n')}\n`);
      });
    });
}
