import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { LineageError } from '../../errors.js';
import { createServer } from '../../server/app.js';
import { intOption, withLedger } from '../common.js';

interface ServeOptions {
  host: string;
  port: string;
  tokenFile?: string;
  logLevel: string;
  readOnly?: boolean;
  namespace?: string;
}

/** `lineage serve`: one process holds the ledger and serves it over HTTP until SIGINT or SIGTERM. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the ledger over HTTP: an OpenLineage receiver (POST /api/v1/lineage) and Marquez-shaped reads')
    .option('--host <host>', 'the address to listen on (anything but loopback needs --token-file)', '127.0.0.1')
    .option('--port <port>', 'the port (0: any free port, printed on stderr)', '5000')
    .option('--token-file <file>', 'a file holding the bearer token every request must carry (Authorization: Bearer TOKEN)')
    .option('--log-level <level>', 'log level of the one JSON line per request on stdout: trace, debug, info, warn, error, fatal, silent', 'info')
    .option('--read-only', 'answer writes with 403 READ_ONLY')
    .option('--namespace <ns>', 'namespace of the ledger\'s own jobs and datasets (default: lineage-ledger.<ledger id>)')
    .addHelpText(
      'after',
      '\nPoint an OpenLineage integration at it with OPENLINEAGE_URL=http://HOST:PORT (and OPENLINEAGE_API_KEY=TOKEN).\n' +
        'SIGINT or SIGTERM stops it gracefully: no new connections, requests in flight finish, the ledger is closed.\n' +
        '\nExamples:\n  lineage serve --db /data/lineage\n  lineage serve --host 0.0.0.0 --port 5000 --token-file /etc/lineage/token\n',
    )
    .action(async (opts: ServeOptions) => {
      const port = intOption(opts.port, '--port');
      if (port > 65535) throw new LineageError('INVALID_ARGUMENT', `--port is 0 to 65535, not ${port}`);
      const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
      if (!levels.includes(opts.logLevel)) throw new LineageError('INVALID_ARGUMENT', `--log-level is one of ${levels.join(', ')}, not ${opts.logLevel}`);
      const token = opts.tokenFile === undefined ? undefined : await readToken(opts.tokenFile);
      if (token === undefined && !isLoopback(opts.host)) {
        throw new LineageError('INVALID_ARGUMENT', `--host ${opts.host} is reachable from other machines: pass --token-file FILE so that every request needs a token`);
      }
      // Signals that come while the ledger opens are kept, so a stop is never lost.
      let stop!: (signal: string) => void;
      const stopped = new Promise<string>((resolve) => (stop = resolve));
      const onSignal = (signal: NodeJS.Signals) => stop(signal);
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      await withLedger(
        program,
        async (ledger) => {
          const app = createServer({ ledger, token, logLevel: opts.logLevel, readOnly: opts.readOnly, namespace: opts.namespace });
          try {
            const address = await app.listen({ host: opts.host, port });
            process.stderr.write(`lineage serve: listening on ${address} (ledger ${ledger.path ?? ':memory:'}, head ${ledger.head.seq}${token ? ', token required' : ''})\n`);
            const signal = await stopped;
            process.stderr.write(`lineage serve: ${signal}: finishing requests in flight, then closing the ledger\n`);
          } finally {
            await app.close();
          }
        },
        { create: true },
      );
      process.stderr.write('lineage serve: stopped\n');
    });
}

/** The token of `--token-file FILE`: its one word, trimmed. */
export async function readToken(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new LineageError('FILE_NOT_FOUND', `cannot read --token-file ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
  }
  const token = text.trim();
  if (token === '' || /\s/.test(token)) throw new LineageError('INVALID_ARGUMENT', `--token-file ${file} must hold one token (no spaces), not ${token === '' ? 'nothing' : 'several words'}`);
  return token;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
