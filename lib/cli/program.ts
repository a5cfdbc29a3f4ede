import { Command } from 'commander';

type Register = (program: Command) => void;

// Each command's module is loaded only when that command runs (or for the full help): a `lineage exec`
// step in a Makefile must not pay for fastify, the OpenLineage schemas or the picture layout.
const COMMANDS: readonly (readonly [names: readonly string[], load: () => Promise<Register>])[] = [
  [['demo'], async () => (await import('./commands/demo.js')).registerDemo],
  [['stats'], async () => (await import('./commands/stats.js')).registerStats],
  [['head'], async () => (await import('./commands/head.js')).registerHead],
  [['verify'], async () => (await import('./commands/verify.js')).registerVerify],
  [['log'], async () => (await import('./commands/log.js')).registerLog],
  [['history'], async () => (await import('./commands/history.js')).registerHistory],
  [['export'], async () => (await import('./commands/export.js')).registerExport],
  [['import'], async () => (await import('./commands/import.js')).registerImport],
  [['forward'], async () => (await import('./commands/forward.js')).registerForward],
  [['show'], async () => (await import('./commands/show.js')).registerShow],
  [['graph'], async () => (await import('./commands/graph.js')).registerGraph],
  [['repair'], async () => (await import('./commands/repair.js')).registerRepair],
  [['serve'], async () => (await import('./commands/serve.js')).registerServe],
  [['exec'], async () => (await import('./commands/exec.js')).registerExec],
  [['track', 'add', 'finish'], async () => (await import('./commands/shell-writes.js')).registerShellWrites],
  [['ui'], async () => (await import('./commands/ui.js')).registerUi],
  [['rm', 'restore'], async () => (await import('./commands/trash.js')).registerTrash],
  [['label', 'reference'], async () => (await import('./commands/label.js')).registerLabel],
  [['copy'], async () => (await import('./commands/copy.js')).registerCopy],
];

/** The subcommand `argv` (as process.argv) names, skipping the global `--db PATH`; undefined when there is none. */
export function commandOf(argv: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--db') i++;
    else if (a === '--') return undefined;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/** Builds the `lineage` command: with `only`, just that subcommand (when known), else all of them. */
export async function program(only?: string): Promise<Command> {
  const p = new Command('lineage')
    .description('data lineage: where did this file come from?')
    .option('--db <path>', 'the ledger folder or postgres://user@host:port/db?ledger=NAME (default: $LINEAGE_DB, else ./.lineage)')
    .showHelpAfterError('(lineage --help lists the commands; lineage COMMAND --help their options)')
    .configureOutput({ outputError: (message, write) => write(`lineage: usage error: ${message.replace(/^error: /, '')}`) })
    .addHelpText(
      'after',
      `
Output is a table or tree for people; --json prints JSON for programs. Colours only on a terminal,
never with NO_COLOR. Exit status: 0 success, 1 a "no" answer (nothing matched, verify failed),
2 bad usage.

Examples:
  lineage demo                                  # the lamindb walkthrough on ./.lineage-demo
  export LINEAGE_DB=.lineage-demo
  lineage stats
  lineage show output.bam --json
  lineage graph output.bam                      # where did output.bam come from?
  lineage graph output.bam --format html -o lineage.html
`,
    )
    .exitOverride();
  const known = COMMANDS.filter(([names]) => only !== undefined && names.includes(only));
  for (const register of await Promise.all((known.length > 0 ? known : COMMANDS).map(([, load]) => load()))) register(p);
  for (const c of p.commands) c.exitOverride();
  return p;
}
