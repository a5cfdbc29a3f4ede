import { Command } from 'commander';
import { registerDemo } from './commands/demo.js';
import { registerStats } from './commands/stats.js';
import { registerRepair } from './commands/repair.js';

/** Builds the `lineage` command with all its subcommands. */
export function program(): Command {
  const p = new Command('lineage')
    .description('data lineage: where did this file come from?')
    .option('--db <path>', 'the ledger folder (default: $LINEAGE_DB, else ./.lineage)')
    .showHelpAfterError()
    .exitOverride();
  registerDemo(p);
  registerStats(p);
  registerRepair(p);
  for (const c of p.commands) c.exitOverride();
  return p;
}
