import { type Command, Option } from 'commander';
import { LineageError } from '../../errors.js';
import type { Direction, LineageGraph } from '../../query/lineage.js';
import type { Reader } from '../../reader.js';
import { type GraphDetails, graphDetails, recordDetails } from '../../render/details.js';
import { renderDot } from '../../render/dot.js';
import { groupByParent, type RunGroup } from '../../render/groups.js';
import { renderColumnMermaid, renderColumnText } from '../../render/column-graph.js';
import { File } from '../../model/records.js';
import { type HtmlMeta, renderHtml } from '../../render/html.js';
import { renderMermaid } from '../../render/mermaid.js';
import { PLAIN, type Style } from '../../render/style.js';
import { renderText } from '../../render/text.js';
import { intOption, parseAsOf, styleFor, withLedger, writeOutput } from '../common.js';
import { type PictureLayout, pictureSvg } from '../layout.js';
import { withProgress } from '../progress.js';
import { resolveRecord } from '../resolve.js';

/** The formats `lineage graph --format` writes. */
export const GRAPH_FORMATS = ['text', 'mermaid', 'dot', 'svg', 'html', 'json'] as const;
type Format = (typeof GRAPH_FORMATS)[number];

const DIRECTIONS: Record<string, Direction> = { up: 'upstream', upstream: 'upstream', down: 'downstream', downstream: 'downstream', both: 'both' };
// Pictures stop sooner than text: the layered layout draws 2,000 nodes in well under a second, but a
// picture of more is unreadable anyway. Text, Mermaid, DOT and JSON take ledger.lineage()'s own default.
const PICTURE_MAX_NODES = 2000;
const TEXT_MAX_NODES = 10_000;

interface GraphOptions {
  direction: string;
  depth?: number;
  maxNodes?: number;
  timeout: number;
  layout: PictureLayout;
  format: Format;
  output?: string;
  asOf?: string;
  column?: string;
  groupBy?: string;
}

/** `lineage graph NAME|ID`: the lineage around a record, as a terminal tree, Mermaid, DOT, SVG, an HTML page or JSON. */
export function registerGraph(program: Command): void {
  program
    .command('graph')
    .argument('<name-or-id>', 'a file name (output.bam), a transform name, or the id of a file, run or transform')
    .description('draw the lineage around a record: where it came from (up), what was made from it (down), or both')
    .addOption(new Option('--direction <dir>', 'up (where it came from), down (what was made from it) or both').choices(Object.keys(DIRECTIONS)).default('up'))
    .option('--depth <n>', 'follow at most N hops (file → run is one hop); cut nodes are marked "… more"', (v) => intOption(v, '--depth'))
    .option('--max-nodes <n>', `stop after N nodes, marking the rest "… more" (default ${PICTURE_MAX_NODES} for svg and html, ${TEXT_MAX_NODES} otherwise)`, (v) => positive(v, '--max-nodes'))
    .addOption(new Option('--format <format>', 'text (a tree), mermaid, dot (Graphviz source), svg, html (one self-contained page), json').choices(GRAPH_FORMATS).default('text'))
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .option('--as-of <seq|time>', 'the lineage as it was after event SEQ, or at a time (ISO 8601)')
    .option('--column <name>', 'column lineage of one column of a file (from OpenLineage columnLineage facets); text, mermaid or json')
    .addOption(new Option('--group-by <what>', 'mermaid, dot, svg and html: box the runs that share a parent run (a DAG run, a dbt job, lineage exec)').choices(['parent']))
    .option('--timeout <seconds>', 'give Graphviz this long to lay out an svg or html picture, then draw it with the layered layout', (v) => seconds(v, '--timeout'), 60)
    .addOption(new Option('--layout <layout>', 'who lays out svg and html: auto (Graphviz where it is quick), graphviz, layered').choices(['auto', 'graphviz', 'layered']).default('auto'))
    .addHelpText(
      'after',
      `
Files, runs and transforms are drawn as different kinds of node; edges say input or output.
SVG and HTML are laid out by Graphviz compiled to WebAssembly (nothing else to install), or, for
large graphs and transforms with many runs, where Graphviz is slow, by a layered layout of our own;
a Graphviz layout that takes longer than --timeout is drawn by the layered layout instead (said on stderr).
Exit status: 0 drawn, 1 nothing has that name or id, 2 bad usage.

Examples:
  lineage graph output.bam                              # a tree of where output.bam came from
  lineage graph input.fastq.gz --direction down --depth 2
  lineage graph output.bam --format mermaid > lineage.md  # renders on GitHub in a \`\`\`mermaid block
  lineage graph output.bam --format dot | dot -Tpng > lineage.png
  lineage graph output.bam --format svg -o lineage.svg
  lineage graph output.bam --format html -o lineage.html  # open it in a browser; click a node
  lineage graph output.bam --format json --as-of 7
  lineage graph report.csv --format mermaid --group-by parent
`,
    )
    .action(async (nameOrId: string, opts: GraphOptions) => {
      const at = opts.asOf === undefined ? undefined : parseAsOf(opts.asOf);
      await withLedger(program, async (ledger) => {
        const reader: Reader = at === undefined ? ledger : ledger.asOf(at);
        const record = resolveRecord(reader, nameOrId, 'with');
        if (opts.groupBy !== undefined && !['mermaid', 'dot', 'svg', 'html'].includes(opts.format)) {
          throw new LineageError('INVALID_ARGUMENT', `--group-by draws mermaid, dot, svg or html, not ${opts.format}`);
        }
        if (opts.column !== undefined) {
          if (!(record instanceof File)) throw new LineageError('INVALID_ARGUMENT', '--column takes a file (a dataset), not a run or transform');
          if (!['text', 'mermaid', 'json'].includes(opts.format)) throw new LineageError('INVALID_ARGUMENT', `--column draws text, mermaid or json, not ${opts.format}`);
          const g = await reader.columnLineage(record, opts.column, { direction: DIRECTIONS[opts.direction], depth: opts.depth });
          const out = opts.format === 'json' ? `${JSON.stringify(g, null, 2)}\n` : opts.format === 'mermaid' ? renderColumnMermaid(g) : renderColumnText(g);
          await writeOutput(out, opts.output);
          if (g.nodes.length === 1) process.exitCode = 1;
          return;
        }
        const notes: string[] = [];
        const text = await withProgress(
          'drawing',
          async (p) => {
            const picture = opts.format === 'svg' || opts.format === 'html';
            const maxNodes = opts.maxNodes ?? (picture ? PICTURE_MAX_NODES : TEXT_MAX_NODES);
            const graph = reader.lineage(record, { direction: DIRECTIONS[opts.direction], depth: opts.depth, maxNodes });
            p.update(1, 3);
            const details = opts.format === 'json' ? undefined : graphDetails(reader, graph);
            p.update(2, 3);
            const d = recordDetails(record);
            const title = `Lineage of ${d.kind === 'file' ? d.title : `${d.kind} ${d.title}`}`;
            const subtitle = [graph.direction, opts.depth === undefined ? '' : `depth ${opts.depth}`, `${ledger.path ?? 'ledger'} at seq ${reader.seq}`].filter(Boolean).join(' · ');
            const style = opts.output === undefined ? styleFor(process.stdout) : PLAIN;
            const groups = opts.groupBy === 'parent' ? groupByParent(reader, graph) : [];
            return render(opts.format, graph, details, { title, subtitle }, style, { seconds: opts.timeout, layout: opts.layout, onNote: (m) => notes.push(m) }, groups);
          },
          { unit: 'steps' },
        );
        for (const n of notes) process.stderr.write(`lineage: ${n}\n`);
        await writeOutput(text, opts.output);
      });
    });
}

interface PictureOptions {
  seconds: number;
  layout: PictureLayout;
  onNote: (message: string) => void;
}

async function render(format: Format, graph: LineageGraph, details: GraphDetails | undefined, meta: HtmlMeta, style: Style, picture: PictureOptions, groups: readonly RunGroup[]): Promise<string> {
  switch (format) {
    case 'json':
      return `${JSON.stringify(graph, null, 2)}\n`;
    case 'mermaid':
      return renderMermaid(graph, details, groups);
    case 'dot':
      return renderDot(graph, details, groups);
    case 'svg':
      return pictureSvg(graph, details, picture.seconds, picture.layout, picture.onNote, groups);
    case 'html':
      return renderHtml(graph, await pictureSvg(graph, details, picture.seconds, picture.layout, picture.onNote, groups), details, meta);
    default:
      return `${renderText(graph, details, style)}\n`;
  }
}

// Seconds, fractions allowed (0.5), above zero and at most a day.
function seconds(value: string, name: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0) || n > 86_400) throw new LineageError('INVALID_ARGUMENT', `${name} takes a number of seconds above 0 (e.g. 5 or 0.5), not ${value}`);
  return n;
}

function positive(value: string, name: string): number {
  const n = intOption(value, name);
  if (n < 1) throw new LineageError('INVALID_ARGUMENT', `${name} takes a positive integer, not ${value}`);
  return n;
}
