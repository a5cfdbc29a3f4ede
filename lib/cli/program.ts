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

/** Builds the `lineage` command with all its subcommands. */
export function program(): Command {
  const p = new Command('lineage')
    .description('data lineage: where did this file come from?')
    .option('--db <path>', 'the ledger folder (default: $LINEAGE_DB, else ./.lineage)')
    .showHelpAfterError()
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
  for (const c of p.commands) c.exitOverride();
  return p;
}
