import type { Command } from 'commander';
import { File } from '../../model/records.js';
import type { LineageRecord } from '../../model/records.js';
import type { Reader } from '../../reader.js';
import { printJson } from '../common.js';
import { resolveRecord } from '../resolve.js';
import { withTarget } from '../shell.js';
import { targetOf, targetOptions } from '../target.js';

function kindOf(r: LineageRecord): string {
  return r instanceof File ? 'file' : r.constructor.name.toLowerCase();
}

function label(r: LineageRecord): string {
  return `${kindOf(r)} ${'name' in r && r.name ? r.name : r.id} (${r.id})`;
}

/** `lineage rm NAME|ID [--permanent]` and `lineage restore NAME|ID`: the trash, as events. */
export function registerTrash(program: Command): void {
  const rm = targetOptions(program.command('rm'));
  rm.argument('<name-or-id>', 'a file name, a transform name, or the id of a file, run or transform')
    .description('move a record to the trash (hidden from queries, kept in lineage); --permanent erases a trashed file\'s stored content')
    .option('--permanent', 'erase the stored content of a file already in the trash (its record, hash and lineage stay)')
    .option('--json', 'print the record as JSON afterwards')
    .addHelpText(
      'after',
      `
Nothing is ever removed from the log: \`rm\` appends a record.trashed event, \`restore\` a
record.restored, and \`rm --permanent\` (of a file in the trash) a file.erased event, then removes
the content's bytes from the store. Loading an erased file fails with CONTENT_ERASED, saying when
and by whom; \`lineage verify\` still passes (the hash chain covers events, not contents).

Examples:
  lineage rm people.csv
  lineage rm people.csv --permanent
  lineage restore output.bam
`,
    )
    .action(async (nameOrId: string, opts: { permanent?: boolean; json?: boolean }) => {
      const out = await withTarget(targetOf(program, rm), async (ledger) => {
        const record = resolveRecord(ledger as unknown as Reader, nameOrId, opts.permanent ? 'with' : 'hide');
        await record.delete({ permanent: opts.permanent === true });
        return { json: record.toJSON(), text: `${opts.permanent ? 'erased the content of' : 'moved to the trash:'} ${label(record)}` };
      });
      if (opts.json) printJson(out.json);
      else process.stdout.write(`${out.text}\n`);
    });

  const restore = targetOptions(program.command('restore'));
  restore
    .argument('<name-or-id>', 'the name or id of a record in the trash')
    .description('bring a record back from the trash (not a file whose content was erased)')
    .option('--json', 'print the record as JSON afterwards')
    .action(async (nameOrId: string, opts: { json?: boolean }) => {
      const out = await withTarget(targetOf(program, restore), async (ledger) => {
        const record = resolveRecord(ledger as unknown as Reader, nameOrId, 'only');
        await record.restore();
        return { json: record.toJSON(), text: `restored ${label(record)}` };
      });
      if (opts.json) printJson(out.json);
      else process.stdout.write(`${out.text}\n`);
    });
}
