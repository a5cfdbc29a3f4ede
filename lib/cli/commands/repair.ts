import type { Command } from 'commander';
import { repair } from '../../repair.js';
import { dbPath, printJson } from '../common.js';

/** `lineage repair`: LevelDB's repair, then the intact prefix of the chain is kept and the rest set aside. */
export function registerRepair(program: Command): void {
  program
    .command('repair')
    .description('repair a damaged ledger: keep the events whose chain is intact, set the rest aside in lost+found/')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nWhat it may lose: events in damaged LevelDB blocks, and every event after the first damaged one\n' +
        '(their stored bytes are saved in <ledger>/lost+found/, but they are no longer part of the ledger).\n' +
        'Close every process that has the ledger open first.\n\nExamples:\n  lineage --db .lineage repair\n',
    )
    .action(async (opts: { json?: boolean }) => {
      const r = await repair(dbPath(program));
      if (opts.json) return printJson(r);
      const lines = [`ledger   ${r.ledger}`, `intact   ${r.events} events, head ${r.head.seq} ${r.head.hash}`];
      if (r.firstBad) lines.push(`damaged  from seq ${r.firstBad.seq}: ${r.firstBad.reason}`);
      if (r.dropped) lines.push(`dropped  ${r.dropped} stored events after the break, saved in ${r.savedTo}`);
      if (r.journal) lines.push(`journal  ${r.journal.applied} events written from it${r.journal.damaged ? ` (damaged: ${r.journal.damaged})` : ''}; its files moved to ${r.journal.setAside}`);
      if (r.identityLost) lines.push('identity the ledger id was unreadable; a new one is made on the next open');
      if (!r.firstBad && !r.dropped && !r.journal?.damaged) lines.push('nothing was lost');
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
