import type { Command } from 'commander';
import { LineageError } from '../../errors.js';
import { referenceOption } from '../../model/meta.js';
import { File, Run, Transform } from '../../model/records.js';
import { Exit, EXIT, printJson } from '../common.js';
import { expandAll } from '../file-sets.js';
import { collect, findRun, parseParams, parseTransform, withTarget } from '../shell.js';
import { type LedgerApi, targetOf, targetOptions } from '../target.js';

/** `lineage track`, `lineage add` and `lineage finish`: runs and files recorded from a shell script. */
export function registerShellWrites(program: Command): void {
  const track = targetOptions(program.command('track'));
  track
    .argument('<name[@version]>', 'the transform (registered when new; without a version, its latest version)')
    .description('start a run of a transform and print its id, for shell scripts: RUN=$(lineage track step1)')
    .option('--param <key=value>', 'a run parameter (repeatable)', collect)
    .option('--name <name>', 'a name for the run')
    .option('--reference <ref>', 'an external reference of the run: a Nextflow run id, a URL')
    .option('--reference-type <type>', 'what the reference is, e.g. nextflow, url (needs --reference)')
    .addHelpText(
      'after',
      `
The run stays started until \`lineage finish RUN\`. Inside \`lineage exec\` (LINEAGE_RUN set) it is a
child run of the exec's run.

Example:
  RUN=$(lineage track normalise@2 --param method=tpm)
  normalise counts.tsv > tpm.tsv && lineage add tpm.tsv --run "$RUN" && lineage finish "$RUN" || lineage finish "$RUN" --failed
`,
    )
    .action(async (spec: string, opts: { param?: string[]; name?: string; reference?: string; referenceType?: string }) => {
      const { name, version } = parseTransform(spec);
      const params = parseParams(opts.param ?? []);
      const reference = referenceOption(opts);
      const id = await withTarget(targetOf(program, track), async (ledger) => {
        const run = await ledger.add(new Run({ transform: new Transform({ name, version }), params, name: opts.name, ...reference }));
        return run.id;
      });
      process.stdout.write(`${id}\n`);
    });

  const add = targetOptions(program.command('add'));
  add
    .argument('<file...>', 'files, folders (all files under them) or globs')
    .description('add files to the ledger, as outputs of a run (--run, else $LINEAGE_RUN) or with no producing run')
    .option('--run <id>', 'the run that wrote them (default: $LINEAGE_RUN, set by `lineage exec`)')
    .option('--key <key>', 'a virtual, path-like key for the file (one file only): a file whose latest version has it gets a new version')
    .option('--description <text>', 'a description of the files')
    .option('--json', 'print the files as JSON')
    .addHelpText('after', '\nExamples:\n  lineage add reference/genome.fa\n  lineage add results/ --run "$RUN"\n  lineage add input.fastq.gz --key raw/2026/input.fastq.gz --description "lane 1 reads"\n')
    .action(async (specs: string[], opts: { run?: string; key?: string; description?: string; json?: boolean }) => {
      const sets = await expandAll(specs, 'lineage add');
      const paths = sets.flatMap((s) => s.files);
      if (opts.key !== undefined && paths.length !== 1) throw new LineageError('INVALID_ARGUMENT', `--key names one file, and ${paths.length} were given; nothing was recorded`);
      const runId = opts.run ?? (process.env.LINEAGE_RUN || undefined);
      const files = await withTarget(targetOf(program, add), async (ledger) => {
        const run = runId === undefined ? undefined : startedRun(ledger, runId, opts.run === undefined);
        const out: File[] = [];
        for (const path of paths) out.push(await ledger.add(new File(path, { run, key: opts.key, description: opts.description })));
        return out.map((f) => f.toJSON());
      });
      if (opts.json) printJson(files);
      else for (const f of files) process.stdout.write(`${f.id}\t${f.name}\n`);
    });

  const finish = targetOptions(program.command('finish'));
  finish
    .argument('<run>', 'the run id (from `lineage track`)')
    .description('end a run started by `lineage track`: completed, or failed with --failed')
    .option('--failed', 'the run failed')
    .option('--error <message>', 'why it failed (implies --failed)')
    .addHelpText('after', '\nExit status: 0 recorded, 1 the run does not exist or has already ended.\n')
    .action(async (id: string, opts: { failed?: boolean; error?: string }) => {
      const failed = opts.failed === true || opts.error !== undefined;
      const ended = await withTarget(targetOf(program, finish), async (ledger) => {
        const run = findRun(ledger, id);
        if (run.status !== 'started') return run.status;
        await ledger.finish({ run, status: failed ? 'failed' : 'completed', error: opts.error });
        return undefined;
      });
      if (ended) {
        process.stderr.write(`lineage: run ${id} has already ended (${ended}); nothing was recorded\n`);
        throw new Exit(EXIT.no);
      }
    });
}

/** The run that files are added to: it must be started. From $LINEAGE_RUN, a run this ledger does not know is ignored. */
function startedRun(ledger: LedgerApi, id: string, fromEnv: boolean): Run | undefined {
  const run = ledger.select(Run, { id }).first();
  if (!run) {
    if (fromEnv) return undefined;
    return findRun(ledger, id);
  }
  if (run.status !== 'started') throw new LineageError('INVALID_ARGUMENT', `run ${id} has already ended (${run.status}); outputs are added to a started run`);
  return run;
}
