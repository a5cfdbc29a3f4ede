import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { LineageError } from '../../errors.js';
import { openLineageEvents, openLineageStaticEvents } from '../../interop/openlineage-export.js';
import { toProv } from '../../interop/prov-export.js';
import { intOption, withLedger } from '../common.js';

const FORMATS = ['openlineage', 'prov'] as const;

/** `lineage export --format openlineage|prov [-o FILE] [--namespace NS]`. */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description('export the lineage as OpenLineage run events (JSONL) or as a PROV-JSON document')
    .requiredOption('--format <format>', `${FORMATS.join(' or ')}`)
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .option('--as-of <seq>', 'export the ledger as it was right after event SEQ')
    .option('--namespace <ns>', 'namespace of jobs and datasets (default: lineage-ledger.<ledger id>); for prov, the URI of the ll: prefix')
    .addHelpText(
      'after',
      '\nExamples:\n  lineage export --format openlineage -o lineage.jsonl\n  lineage export --format openlineage --namespace my_lab --as-of 120\n  lineage export --format prov -o lineage.prov.json\n',
    )
    .action(async (opts: { format: string; output?: string; namespace?: string; asOf?: string }) => {
      if (!(FORMATS as readonly string[]).includes(opts.format)) throw new LineageError('INVALID_ARGUMENT', `--format is ${FORMATS.join(' or ')}, not ${opts.format}`);
      const asOf = opts.asOf === undefined ? undefined : intOption(opts.asOf, '--as-of');
      await withLedger(program, async (ledger) => {
        const source = asOf === undefined ? ledger : ledger.asOf(asOf);
        const out = opts.output ? createWriteStream(opts.output) : process.stdout;
        const write = async (s: string) => {
          if (!out.write(s)) await once(out, 'drain');
        };
        if (opts.format === 'prov') await write(`${JSON.stringify(toProv(source, { namespace: opts.namespace }), null, 2)}\n`);
        else {
          for await (const e of openLineageEvents(source, { namespace: opts.namespace })) await write(`${JSON.stringify(e)}\n`);
          for await (const e of openLineageStaticEvents(source)) await write(`${JSON.stringify(e)}\n`);
        }
        if (out !== process.stdout) {
          out.end();
          await once(out, 'finish');
        }
      });
    });
}
