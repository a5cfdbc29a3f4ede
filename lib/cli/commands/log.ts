import type { Command } from 'commander';
import type { EventType } from '../../events/types.js';
import { Exit, EXIT, intOption, styleFor, withLedger } from '../common.js';
import { EventTable } from '../render-events.js';

/** `lineage log`: the events of the log in order, as a table or JSON lines; exit 1 when none match. */
export function registerLog(program: Command): void {
  program
    .command('log')
    .description('list the events of the log in order (a table, or one JSON object per line with --json)')
    .option('--from <seq>', 'first seq', (v) => intOption(v, '--from'))
    .option('--to <seq>', 'last seq (inclusive)', (v) => intOption(v, '--to'))
    .option('--type <type...>', 'only events of these types (e.g. run.started file.created)')
    .option('--json', 'print JSON lines: one event per line, data upcast to the current version')
    .addHelpText('after', '\nExamples:\n  lineage log\n  lineage log --from 100 --to 200 --type file.created\n  lineage log --json | jq .data.name\n')
    .action(async (opts: { from?: number; to?: number; type?: string[]; json?: boolean }) => {
      await withLedger(program, async (ledger) => {
        // Validated by events(): an unknown type is bad usage.
        const events = ledger.events({ from: opts.from, to: opts.to, types: opts.type as EventType[] | undefined });
        const table = opts.json ? undefined : new EventTable(ledger, styleFor(process.stdout));
        let n = 0;
        let out = '';
        for await (const e of events) {
          if (n === 0 && table) out += `${table.header()}\n`;
          n++;
          out += table ? `${table.line(e)}\n` : `${JSON.stringify(e)}\n`;
          if (out.length > 64 * 1024) {
            await write(out);
            out = '';
          }
        }
        await write(out);
        if (n === 0) {
          process.stderr.write('lineage: log: no events match\n');
          throw new Exit(EXIT.no);
        }
      });
    });
}

// Waits for the pipe to drain, so that a long log streams in bounded memory.
function write(text: string): Promise<void> {
  if (text === '') return Promise.resolve();
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
  });
}
