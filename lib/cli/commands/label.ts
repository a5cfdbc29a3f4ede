import type { Command } from 'commander';
import { File, type LineageRecord, Run, Transform } from '../../model/records.js';
import { printJson, styleFor, withLedger } from '../common.js';
import { resolveRecord } from '../resolve.js';
import { withTarget } from '../shell.js';
import { targetOf, targetOptions } from '../target.js';
import { parseAsOf } from '../common.js';
import type { Reader } from '../../reader.js';
import { LineageError } from '../../errors.js';

/** `lineage label add|rm|ls` and `lineage reference`: labels of records and references of runs, from a shell. */
export function registerLabel(program: Command): void {
  const label = program.command('label').description('put labels on files, runs and transforms, take them off, and list them (lamindb\'s labels)');
  label.addHelpText(
    'after',
    `
Examples:
  lineage label add output.bam qc-passed tumor
  lineage label rm output.bam tumor
  lineage label ls                 # every label in use, with how many records carry it
  lineage label ls qc-passed       # the records that carry it
`,
  );
  for (const [verb, add] of [['add', true], ['rm', false]] as const) {
    const cmd = targetOptions(label.command(verb));
    cmd
      .argument('<name-or-id>', 'a file name, a transform name, or the id of a file, run or transform')
      .argument('<label...>', 'the labels')
      .description(add ? 'put labels on a record (one event; labels it has are skipped)' : 'take labels off a record (one event; labels it lacks are skipped)')
      .option('--json', 'print the record\'s labels as JSON')
      .action(async (nameOrId: string, labels: string[], opts: { json?: boolean }) => {
        const out = await withTarget(targetOf(program, cmd), async (ledger) => {
          const record = resolveRecord(ledger, nameOrId);
          const changed = add ? await record.labels.add(labels) : await record.labels.remove(labels);
          return { kind: kindOf(record), id: record.id, changed, labels: record.labels.all() };
        });
        if (opts.json) return printJson(out);
        process.stdout.write(`${out.kind} ${out.id}: ${out.labels.length ? out.labels.join(', ') : '(no labels)'}${out.changed.length ? '' : ' (unchanged)'}\n`);
      });
  }
  label
    .command('ls')
    .argument('[label]', 'list the records carrying this label (default: every label in use)')
    .description('list the labels in use, or the records that carry one')
    .option('--as-of <seq|time>', 'as it was after event SEQ, or at a time (ISO 8601)')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, opts: { asOf?: string; json?: boolean }) => {
      const at = opts.asOf === undefined ? undefined : parseAsOf(opts.asOf);
      await withLedger(program, async (ledger) => {
        const reader: Reader = at === undefined ? ledger : ledger.asOf(at);
        const style = styleFor(process.stdout);
        if (name === undefined) {
          const rows = ledger.projection.labels.inUse(reader.seq);
          if (opts.json) return printJson(rows);
          for (const r of rows) process.stdout.write(`${r.label}\t${style.dim(`${r.files} files, ${r.runs} runs, ${r.transforms} transforms`)}\n`);
          return;
        }
        const records: LineageRecord[] = [...reader.select(File, { label: name }).all(), ...reader.select(Run, { label: name }).all(), ...reader.select(Transform, { label: name }).all()];
        if (opts.json) return printJson(records.map((r) => ({ kind: kindOf(r), id: r.id, name: r instanceof Run ? (r.name ?? null) : r.name })));
        for (const r of records) process.stdout.write(`${kindOf(r)}\t${r.id}\t${r instanceof Run ? `run of ${r.transform.name}` : r.name}\n`);
      });
    });

  const reference = targetOptions(program.command('reference'));
  reference
    .argument('<run-id>', 'the run')
    .argument('<reference>', 'its external reference: a Nextflow run id, a URL')
    .option('--type <type>', 'what the reference is, e.g. nextflow, url')
    .description('set the external reference of a run (an event; the history keeps the earlier one)')
    .addHelpText('after', '\nExample:\n  lineage reference "$RUN" https://ci.example/jobs/42 --type url\n')
    .action(async (runId: string, ref: string, opts: { type?: string }) => {
      await withTarget(targetOf(program, reference), async (ledger) => {
        const run = resolveRecord(ledger, runId);
        if (!(run instanceof Run)) throw new LineageError('RUN_NOT_FOUND', `${runId} is a ${kindOf(run)}, not a run`);
        await run.setReference(ref, opts.type);
      });
    });
}

function kindOf(r: LineageRecord): 'file' | 'run' | 'transform' {
  return r instanceof File ? 'file' : r instanceof Run ? 'run' : 'transform';
}
