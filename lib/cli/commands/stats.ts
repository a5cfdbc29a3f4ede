import type { Command } from 'commander';
import { printJson, withLedger } from '../common.js';

/** `lineage stats`: counts by record and event type, the head, and the time span. */
export function registerStats(program: Command): void {
  program
    .command('stats')
    .description('counts by record type and event type, head seq and hash, time span')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  lineage stats\n  lineage --db .lineage stats --json\n')
    .action(async (opts: { json?: boolean }) => {
      await withLedger(program, async (ledger) => {
        const s = ledger.stats();
        if (opts.json) return printJson(s);
        const lines = [
          `ledger     ${ledger.path}`,
          `events     ${s.events}`,
          `head       ${s.head.seq} ${s.head.hash}`,
          `transforms ${s.transforms}`,
          `runs       ${s.runs}`,
          `files      ${s.files}`,
          `from       ${s.firstAt ?? '-'}`,
          `to         ${s.lastAt ?? '-'}`,
          '',
          ...Object.entries(s.eventsByType).map(([t, n]) => `${t.padEnd(22)} ${n}`),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });
}
