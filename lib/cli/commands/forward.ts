import type { Command } from 'commander';
import { forwardOpenLineage } from '../../interop/openlineage-forward.js';
import { intOption, withLedger } from '../common.js';

/** `lineage forward --url URL`: sends what was not forwarded yet to an OpenLineage HTTP backend, then exits. */
export function registerForward(program: Command): void {
  program
    .command('forward')
    .description('POST the run events not forwarded yet to an OpenLineage HTTP backend (Marquez: /api/v1/lineage), then exit')
    .requiredOption('--url <url>', 'the backend base URL, e.g. http://localhost:5000')
    .option('--endpoint <path>', 'the lineage endpoint path', '/api/v1/lineage')
    .option('--namespace <ns>', 'namespace of jobs and datasets (default: lineage-ledger.<ledger id>)')
    .option('--api-key <key>', 'sent as Authorization: Bearer KEY (default: $OPENLINEAGE_API_KEY)')
    .option('--timeout <ms>', 'give up (exit 1) if not everything is sent within this time', '60000')
    .addHelpText(
      'after',
      '\nThe position reached is kept in the ledger, so running it again (e.g. from cron) sends only what is new.\n' +
        '\nExamples:\n  lineage forward --url http://localhost:5000\n  lineage forward --url https://backend.example --endpoint /api/v1/lineage --api-key $KEY\n',
    )
    .action(async (opts: { url: string; endpoint: string; namespace?: string; apiKey?: string; timeout: string }) => {
      const timeoutMs = intOption(opts.timeout, '--timeout');
      await withLedger(program, async (ledger) => {
        const fwd = await forwardOpenLineage(ledger, {
          url: opts.url,
          endpoint: opts.endpoint,
          namespace: opts.namespace,
          apiKey: opts.apiKey ?? process.env.OPENLINEAGE_API_KEY,
          onError: (e) => process.stderr.write(`lineage: ${e.message}\n`),
        });
        try {
          await fwd.flush({ timeoutMs });
        } finally {
          await fwd.stop();
        }
        const s = fwd.status;
        process.stdout.write(`forwarded ${s.sent} run events to ${opts.url} (namespace ${fwd.namespace}, log position ${s.position}${s.rejected ? `, ${s.rejected} rejected by the backend` : ''})\n`);
      });
    });
}
