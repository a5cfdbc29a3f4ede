import { Command } from 'commander';
import { registerDemo } from './commands/demo.js';
import { registerStats } from './commands/stats.js';
import { registerHead } from './commands/head.js';
import { registerVerify } from './commands/verify.js';
import { registerLog } from './commands/log.js';
import { registerHistory } from './commands/history.js';
import { registerExport } from './commands/export.js';
import { registerImport } from './commands/import.js';
import { registerForward } from './commands/forward.js';
import { registerShow } from './commands/show.js';
import { registerGraph } from './commands/graph.js';
import { registerRepair } from './commands/repair.js';
import { registerServe } from './commands/serve.js';
import { registerExec } from './commands/exec.js';
import { registerShellWrites } from './commands/shell-writes.js';
import { registerUi } from './commands/ui.js';

/** Builds the `lineage` command with all its subcommands. */
export function program(): Command {
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
  registerDemo(p);
  registerStats(p);
  registerHead(p);
  registerVerify(p);
  registerLog(p);
  registerHistory(p);
  registerExport(p);
  registerImport(p);
  registerForward(p);
  registerShow(p);
  registerGraph(p);
  registerRepair(p);
  registerServe(p);
  registerExec(p);
  registerShellWrites(p);
  registerUi(p);
  for (const c of p.commands) c.exitOverride();
  return p;
}
