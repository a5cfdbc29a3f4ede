import type { Command } from 'commander';
import { formatBytes } from '../../render/format.js';
import { printJson, styleFor, withLedger } from '../common.js';
import { diskUsage } from '../disk-usage.js';
import { columns, keyValues } from '../table.js';

/** `lineage stats`: counts by record and event type, the head, size on disk, and the time span. */
export function registerStats(program: Command): void {
  program
    .command('stats')
    .description('counts by record type and event type, head seq and hash, size on disk, time span')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  lineage stats\n  lineage --db .lineage stats --json\n')
    .action(async (opts: { json?: boolean }) => {
      await withLedger(program, async (ledger) => {
        const s = ledger.stats();
        const disk = ledger.path === undefined ? undefined : await diskUsage(ledger.path);
        if (opts.json) return printJson({ path: ledger.path, ...s, sizeOnDisk: disk });
        const style = styleFor(process.stdout);
        const size = disk ? `${formatBytes(disk.total)} (log ${formatBytes(disk.log)}, objects ${formatBytes(disk.objects)})` : '-';
        const summary = keyValues(
          [
            ['ledger', ledger.path ?? ledger.location],
            ['events', String(s.events)],
            ['head', `${s.head.seq} ${s.head.hash}`],
            ['transforms', String(s.transforms)],
            ['runs', String(s.runs)],
            ['files', String(s.files)],
            ['size on disk', size],
            ['from', s.firstAt ?? '-'],
            ['to', s.lastAt ?? '-'],
          ],
          { key: style.dim },
        );
        const byType = columns(
          ['event type', 'count'],
          Object.entries(s.eventsByType).map(([t, n]) => [t, String(n)]),
          { header: style.bold },
        );
        process.stdout.write(`${summary}\n\n${byType}\n`);
      });
    });
}
