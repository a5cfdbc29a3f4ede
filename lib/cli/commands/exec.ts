import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { LineageError } from '../../errors.js';
import { LIMITS } from '../../limits.js';
import { File, Run, Transform } from '../../model/records.js';
import { cleanName } from '../../model/sanitize.js';
import { cleanDescription, cleanKey } from '../../model/lifecycle.js';
import { referenceOption } from '../../model/meta.js';
import { changedSince, expand, expandAll, type FileSet, hashFile, type Stamp, stampOf, stamps } from '../file-sets.js';
import { type Outcome, SignalGate } from '../foreground.js';
import { childEnv, collect, commandLine, findRun, onPath, parseParams, parseTransform, withTarget } from '../shell.js';
import { type LedgerApi, type Target, targetOf, targetOptions } from '../target.js';

/** What the command did, as the run records it. */
interface Verdict {
  status: 'completed' | 'failed';
  error?: string;
  /** The exit status of `lineage exec`; a signal to raise again instead, when the command was stopped by one. */
  exit: number;
  signal?: NodeJS.Signals;
}

/** `lineage exec -- COMMAND ARGS...`: runs a command and records it as a run with its inputs and outputs. */
export function registerExec(program: Command): void {
  const cmd = targetOptions(program.command('exec'));
  cmd
    .description('run a command and record it: its transform, params, argv, inputs, outputs and how it ended')
    .argument('<command...>', 'the command and its arguments, after --')
    .option('--transform <name[@version]>', 'the transform the run belongs to (default: the command\'s basename)')
    .option('--in <file|folder|glob>', 'an input (repeatable); a folder is all files under it', collect)
    .option('--out <file|folder|glob>', 'an output the command writes (repeatable)', collect)
    .option('--param <key=value>', 'a run parameter (repeatable)', collect)
    .option('--key <key>', 'a virtual, path-like key for the output (one --out naming one file): a file whose latest version has it gets a new version')
    .option('--description <text>', 'a description of the output files')
    .option('--reference <ref>', 'an external reference of the run: a Nextflow run id, a CI job URL (queryable; lamindb\'s Run.reference)')
    .option('--reference-type <type>', 'what the reference is, e.g. nextflow, url (needs --reference)')
    .addHelpText(
      'after',
      `
The ledger is opened only to record the start and the end: it is not held while the command runs,
so that many \`lineage exec\` at once (make -j16) all record; each waits for the ledger up to
--lock-timeout seconds (default 60, or $LINEAGE_LOCK_TIMEOUT).

An --in already in the ledger is found by its content; an unknown one is added first, with no
producing run. Each --out must be written by the command, else the run fails. The command gets
LINEAGE_RUN (its run's id) and LINEAGE_DB: \`lineage exec\`, \`lineage track\` and
open(process.env.LINEAGE_DB) inside it start child runs. Params, argv, the working folder and the environment (values of names that look
secret, such as *TOKEN* or *PASSWORD*, redacted) are recorded with the run.

Exit status: the command's; 127 when it cannot be found, 126 when it cannot be run; 1 when an
--out was not written or the run could not be recorded; the command's signal when it was killed.

Examples:
  lineage exec --in input.fastq.gz --out reads.fastq -- sh -c 'gzip -dc input.fastq.gz > reads.fastq'
  lineage exec --transform sort@9.1 --in reads.fastq --out sorted.txt --param key=1 -- sort -o sorted.txt reads.fastq
  lineage exec --in 'raw/*.csv' --out results/ -- ./analyse.sh raw results
  lineage exec --in reads.fastq --out counts.tsv --key results/counts.tsv --description 'gene counts' -- ./count.sh
  lineage exec --reference https://ci.example/jobs/42 --reference-type url -- make all
`,
    )
    .action(async (argv: string[], opts: { transform?: string; in?: string[]; out?: string[]; param?: string[]; key?: string; description?: string; reference?: string; referenceType?: string }) => {
      const verdict = await execute(targetOf(program, cmd), argv, { transform: opts.transform, in: opts.in ?? [], out: opts.out ?? [], param: opts.param ?? [], key: opts.key, description: opts.description, reference: opts.reference, referenceType: opts.referenceType });
      process.exitCode = verdict.exit;
    });
}

/** What the outputs are given besides their content: a key (one output file) and a description. */
interface OutputExtras {
  key?: string;
  description?: string;
}

async function execute(target: Target, argv: string[], opts: { transform?: string; in: string[]; out: string[]; param: string[]; reference?: string; referenceType?: string } & OutputExtras): Promise<Verdict> {
  // Everything the user can get wrong is checked before the ledger is touched: nothing is written.
  const transform = transformOf(opts.transform ?? basename(argv[0]!), argv[0]!);
  const reference = referenceOption(opts);
  const params = { ...parseParams(opts.param, ['exec']), exec: commandLine(argv) };
  const bytes = Buffer.byteLength(JSON.stringify(params));
  if (bytes > LIMITS.paramsBytes) throw new LineageError('LIMIT_EXCEEDED', `the params and the command line take ${bytes} bytes as JSON; the limit is ${LIMITS.paramsBytes}`);
  const inputs = await expandAll(opts.in, '--in');
  const outSets = await Promise.all(opts.out.map((s) => expand(s)));
  const extras: OutputExtras = { key: cleanKey(opts.key), description: cleanDescription(opts.description, false) ?? undefined };
  if (extras.key !== undefined && (outSets.length !== 1 || outSets[0]!.kind !== 'file' || /[\\/]$/.test(outSets[0]!.spec))) throw new LineageError('INVALID_ARGUMENT', '--key names one output file: pass exactly one --out that is a file (not a folder or glob); nothing was run');
  const before = await stamps(outSets);
  // One file at a time: a folder of thousands of inputs must not open thousands of streams at once.
  const hashes: { path: string; hash: string }[] = [];
  for (const path of new Set(inputs.flatMap((s) => s.files))) hashes.push({ path, hash: await hashFile(path) });
  const gate = new SignalGate();
  let raise: NodeJS.Signals | undefined;
  try {
    const started = await withTarget(target, async (ledger) => {
      const files: File[] = [];
      for (const { path, hash } of hashes) files.push(ledger.select(File, { hash }).first() ?? (await ledger.add(new File(path))));
      const run = await ledger.add(new Run({ transform, params, inputs: files, ...reference }));
      return { id: run.id, inputHashes: new Set(hashes.map((h) => h.hash)) };
    });
    const outcome = await gate.run(argv, childEnv(target, started.id));
    const verdict = await withTarget(target, async (ledger) => {
      const run = findRun(ledger, started.id);
      const v = outcome.kind === 'exited' && outcome.code === 0 ? await recordOutputs(ledger, run, outSets, before, started.inputHashes, extras) : judge(outcome, gate.received);
      await ledger.finish({ run, status: v.status, error: v.error });
      return v;
    }).catch((err: unknown) => {
      process.stderr.write(`lineage: run ${started.id} could not be finished and stays 'started'; record its end with \`lineage finish ${started.id} [--failed]\`\n`);
      throw err;
    });
    if (verdict.error) process.stderr.write(`lineage: run ${started.id} failed: ${verdict.error}\n`);
    // A stop signal that came while no command ran (between the sessions) is raised too, as bash does.
    raise = verdict.signal ?? gate.receivedIdle;
    return verdict;
  } finally {
    // The ledger is closed by now: a stop signal is raised again, so that make and shells see the step stopped.
    gate.release(raise);
  }
}

/** The transform of `NAME[@VERSION]`, checked now (a bad name must not leave inputs added before the run); its reference is the command's path. */
function transformOf(spec: string, command: string): Transform {
  const { name, version } = parseTransform(spec);
  cleanName(name, 'transform name');
  if (version !== undefined) cleanName(version, 'transform version', 256);
  const reference = command.includes('/') ? undefined : onPath(command);
  return new Transform({ name, version, reference });
}

/** The verdict on a command that did not exit with 0. */
function judge(outcome: Exclude<Outcome, { kind: 'exited'; code: 0 }>, received: NodeJS.Signals | undefined): Verdict {
  const interrupted = received ? `interrupted (${received})` : undefined;
  switch (outcome.kind) {
    case 'exited':
      return { status: 'failed', error: [interrupted, `exited with code ${outcome.code}`].filter(Boolean).join(': '), exit: outcome.code };
    case 'signalled':
      return { status: 'failed', error: interrupted ?? `killed by ${outcome.signal}`, exit: 1, signal: outcome.signal };
    case 'not-started':
      return { status: 'failed', error: outcome.reason, exit: outcome.code };
    case 'interrupted-before-start':
      return { status: 'failed', error: `interrupted (${outcome.signal}) before the command started`, exit: 1, signal: outcome.signal };
  }
}

/**
 * Adds the files the command wrote (new or changed since it started) under each --out as outputs of
 * the run; an --out under which it wrote nothing fails the run, with nothing added.
 */
async function recordOutputs(ledger: LedgerApi, run: Run, sets: readonly FileSet[], before: Map<string, Stamp>, inputHashes: Set<string>, extras: OutputExtras): Promise<Verdict> {
  const missing: string[] = [];
  const written = new Set<string>();
  for (const old of sets) {
    const now = await expand(old.spec);
    let any = false;
    for (const f of now.files) {
      // A file in an output folder that the command left alone is some other run's output, not this one's.
      if (!changedSince(before, f, stampOf(await stat(f)))) continue;
      any = true;
      written.add(f);
    }
    if (!any) missing.push(now.files.length === 0 ? `${old.spec} does not exist` : `${old.spec} was not written (unchanged since before the command ran)`);
  }
  if (missing.length > 0) return { status: 'failed', error: `the command exited with 0 but did not write its outputs: ${missing.join('; ')}`, exit: 1 };
  for (const path of written) {
    const hash = await hashFile(path);
    // Same bytes as one of its inputs (cp in out): the file would be both, and the graph a cycle.
    if (inputHashes.has(hash)) {
      process.stderr.write(`lineage: ${path} has the same content as an input of the run; not recorded as its output\n`);
      continue;
    }
    await ledger.add(new File(path, { run, ...extras }));
  }
  return { status: 'completed', exit: 0 };
}
