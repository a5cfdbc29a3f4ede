import type { Command } from 'commander';
import { type DeclaredLineage, File, type LineageRecord, Run, Transform } from '../../model/records.js';
import type { Reader } from '../../reader.js';
import { recordDetails, runSummary, transformTitle } from '../../render/details.js';
import { parseAsOf, printJson, styleFor, withLedger } from '../common.js';
import { resolveRecord } from '../resolve.js';
import { keyValues } from '../table.js';
import { facetRows } from '../../render/facet-summary.js';
import { LineageError } from '../../errors.js';

/** A related record, as `show --json` lists it. */
interface Ref {
  kind: 'file' | 'run' | 'transform';
  id: string;
  name: string | null;
}

const LIST_LIMIT = 20;
// Fields of recordDetails that relationRows lists in more detail.
const COVERED = new Set(['input of', 'runs']);

/** `lineage show NAME|ID`: one record with its fields and relations, at the head or as of a seq or time. */
export function registerShow(program: Command): void {
  program
    .command('show')
    .argument('<name-or-id>', 'a file name (output.bam), a transform name, or the id of a file, run or transform')
    .description('show one record (file, run or transform) with its fields and relations')
    .option('--as-of <seq|time>', 'show it as it was after event SEQ, or at a time (ISO 8601)')
    .option('--json', 'print the record and its relations as JSON')
    .option('--source', "print a transform's stored source code (a tracked script's), exactly as it ran")
    .addHelpText(
      'after',
      `
A name that several files share lists their ids; pass one of them instead.
Exit status: 0 shown, 1 nothing has that name or id, 2 bad usage.

Examples:
  lineage show output.bam
  lineage show 'Cell Ranger'
  lineage show output.bam --as-of 7 --json
  lineage show output.bam --as-of 2026-11-27T02:24:17Z
  lineage show pipeline.mjs --source
`,
    )
    .action(async (nameOrId: string, opts: { asOf?: string; json?: boolean; source?: boolean }) => {
      const at = opts.asOf === undefined ? undefined : parseAsOf(opts.asOf);
      await withLedger(program, async (ledger) => {
        const reader: Reader = at === undefined ? ledger : ledger.asOf(at);
        const record = resolveRecord(reader, nameOrId, 'with');
        if (opts.source) return printSource(record, opts.json === true);
        const facets = await record.facets;
        const declared = record instanceof Transform ? await record.declared : undefined;
        const declaredRefs = declared && { inputs: declared.inputs.map(ref), outputs: declared.outputs.map(ref) };
        if (opts.json) return printJson({ ...record.toJSON(), relations: { ...relations(record), ...(declaredRefs && { declared: declaredRefs }) }, facets, seq: reader.seq });
        const style = styleFor(process.stdout);
        const d = recordDetails(record);
        const paint = d.kind === 'file' ? style.file : d.kind === 'run' ? style.run : style.transform;
        const when = at === undefined ? '' : style.dim(` (as of seq ${reader.seq})`);
        const rows = [...d.fields.filter(([k]) => !COVERED.has(k)), ...relationRows(record), ...declaredRows(declared), ...facetRows(facets)];
        process.stdout.write(`${paint(`${d.kind} ${d.title}`)}${when}\n${keyValues(rows, { indent: '  ', key: style.dim })}\n`);
      });
    });
}

/** `show --source`: the transform's stored code as it ran (hash-checked), raw or as JSON; a record without stored source is exit 1. */
async function printSource(record: LineageRecord, json: boolean): Promise<void> {
  const t = record instanceof Transform ? record : record instanceof Run ? record.transform : record.transform;
  const source = t === undefined ? undefined : await t.source();
  if (t === undefined || source === undefined) {
    const what = t === undefined ? `file ${(record as File).name} has no producing transform` : `transform ${transformTitle(t)} has no stored source (only scripts registered by track() have one)`;
    throw new LineageError('CONTENT_MISSING', `${what}; nothing to print`);
  }
  if (json) return printJson({ transform: ref(t), hash: t.toJSON().sourceHash, source });
  process.stdout.write(source);
}

function ref(r: LineageRecord): Ref {
  if (r instanceof File) return { kind: 'file', id: r.id, name: r.name };
  if (r instanceof Transform) return { kind: 'transform', id: r.id, name: transformTitle(r) };
  return { kind: 'run', id: r.id, name: r.name ?? null };
}

function relations(r: LineageRecord): Record<string, Ref | Ref[] | null> {
  const one = (x: LineageRecord | undefined) => (x ? ref(x) : null);
  if (r instanceof File) return { run: one(r.run), transform: one(r.transform), inputOf: r.inputOf.map(ref), recreatedBy: r.recreatedBy.map(ref) };
  if (r instanceof Run) return { transform: ref(r.transform), parent: one(r.parent), children: r.children.map(ref), inputs: r.inputs.map(ref), outputs: r.outputs.map(ref) };
  return { revises: one(r.revises), runs: r.runs.map(ref) };
}

// The relations that recordDetails' fields do not already name, one related record a line.
function relationRows(r: LineageRecord): [string, string][] {
  const file = (f: File) => `${f.name}  (file ${f.id})`;
  const run = (x: Run) => `run ${x.id} of ${transformTitle(x.transform)}, ${runSummary(x)}`;
  if (r instanceof File) return [...list('transform', r.transform ? [r.transform] : [], (t) => `${transformTitle(t)} (${t.type})`), ...list('read by', r.inputOf, run), ...list('recreated by', r.recreatedBy, run)];
  if (r instanceof Run) return [...list('inputs', r.inputs, file), ...list('outputs', r.outputs, file), ...list('child runs', r.children, run)];
  return list('runs', r.runs, run);
}

// A job's static lineage from its JobEvents: listed only where one declared something.
function declaredRows(d: DeclaredLineage | undefined): [string, string][] {
  if (!d || d.inputs.length + d.outputs.length === 0) return [];
  const file = (f: File) => `${f.name}  (file ${f.id})`;
  return [...list('declared inputs', d.inputs, file), ...list('declared outputs', d.outputs, file)];
}

function list<T>(label: string, items: T[], line: (x: T) => string): [string, string][] {
  if (items.length === 0) return [[label, '-']];
  const shown = items.slice(0, LIST_LIMIT).map((x, i): [string, string] => [i === 0 ? label : '', line(x)]);
  if (items.length > LIST_LIMIT) shown.push(['', `… and ${items.length - LIST_LIMIT} more (--json lists them all)`]);
  return shown;
}
