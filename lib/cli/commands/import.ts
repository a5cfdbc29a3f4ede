import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { buffer } from 'node:stream/consumers';
import type { Command } from 'commander';
import { LineageError } from '../../errors.js';
import { importOpenLineage } from '../../interop/openlineage-import.js';
import { printJson, withLedger } from '../common.js';

/** `lineage import FILE.jsonl [--strict] [--json]`: OpenLineage run events from other producers. */
export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import OpenLineage run events (JSONL, one event per line; - reads stdin) as transforms, runs and files')
    .argument('<file>', 'a JSONL file of OpenLineage events, or - for stdin')
    .option('--strict', 'reject the whole file if any line is invalid (default: skip invalid lines and list them)')
    .option('--json', 'print the import report as JSON')
    .addHelpText('after', '\nExamples:\n  lineage import events.jsonl\n  lineage import --strict marquez-export.jsonl\n  cat events.jsonl | lineage import -\n')
    .action(async (file: string, opts: { strict?: boolean; json?: boolean }) => {
      // Bytes, not text: long lines are scanned as bytes and only the rest of each event is decoded.
      let input: Buffer;
      try {
        input = file === '-' ? await buffer(process.stdin) : await readFile(file);
      } catch (err) {
        throw new LineageError('FILE_NOT_FOUND', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
      }
      await withLedger(program, async (ledger) => {
        const report = await importOpenLineage(ledger, input, { strict: opts.strict, source: file === '-' ? 'stdin' : basename(file) });
        if (opts.json) return printJson(report);
        for (const s of report.skipped) process.stderr.write(`lineage: line ${s.line} skipped${s.code ? ` (${s.code})` : ''}: ${s.message}\n`);
        for (const c of report.conflicts) process.stderr.write(`lineage: line ${c.line} refused (RUN_JOB_CONFLICT): runId ${c.runId} belongs to job ${c.existingJob}, not ${c.job}\n`);
        const c = report.created;
        process.stdout.write(
          `imported ${report.events} run events of ${report.runs} runs from ${file}` +
            `${report.staticEvents ? `, ${report.staticEvents} job/dataset events` : ''}${report.ignored ? ` (${report.ignored} non-run events ignored)` : ''}${report.duplicates ? `, ${report.duplicates} already recorded` : ''}` +
            `${report.skipped.length ? `, skipped ${report.skipped.length} invalid line(s)` : ''}${report.conflicts.length ? `, refused ${report.conflicts.length} (runId of another job)` : ''}\n` +
            `added ${c.transforms} transforms, ${c.runs} runs, ${c.files} files, ${c.inputs} inputs, ${c.outputs} outputs, ${c.finished} run ends${c.amended ? `, ${c.amended} placeholder run starts amended` : ''} (${report.appended} events)\n`,
        );
      }, { create: true });
    });
}
