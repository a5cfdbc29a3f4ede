import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import type { Ledger } from '../../ledger.js';
import { createServer } from '../../server/app.js';
import { intOption, withLedger } from '../common.js';
import { readToken } from './serve.js';

/** The server `lineage ui` runs: `lineage serve`'s, read-only, which serves the web page at `/`. */
export async function uiServer(ledger: Ledger, options: { token?: string } = {}): Promise<FastifyInstance> {
  // The same server as `lineage serve`, read-only, on loopback. Other users of the machine can reach
  // loopback too: with a token, the page asks for it before showing anything of the ledger.
  const app = createServer({ ledger, readOnly: true, logLevel: 'silent', token: options.token });
  await app.ready();
  return app;
}

// Opens a URL in the desktop's browser where there is one; a missing opener is not an error.
function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // no opener: the URL is printed anyway
  }
}

/** `lineage ui`: the web page for a ledger on a local port, read-only, opened in the browser. */
export function registerUi(program: Command): void {
  program
    .command('ui')
    .description('explore the ledger in the browser: search, records, lineage graphs, the log, verify, at any past seq or time')
    .option('--port <n>', 'listen on this port of 127.0.0.1 (default: a free one)', (v) => intOption(v, '--port'))
    .option('--no-open', 'print the URL without opening a browser')
    .option('--token-file <file>', 'require the token in FILE (the page asks for it once per tab), e.g. on a machine shared with other users')
    .addHelpText('after', '\nReads the ledger and never writes to it. Stop with Ctrl-C.\n\nExamples:\n  lineage ui --db .lineage-demo\n  lineage ui --port 8080 --no-open\n  lineage ui --token-file ~/.lineage-token\n')
    .action(async (opts: { port?: number; open: boolean; tokenFile?: string }) => {
      // Read before the ledger is opened: a bad token file fails fast, with nothing opened.
      const token = opts.tokenFile === undefined ? undefined : await readToken(opts.tokenFile);
      await withLedger(program, async (ledger) => {
        const app = await uiServer(ledger, { token });
        const address = await app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
        const url = `${address}/`;
        process.stdout.write(`lineage ui: ${url}${token ? ' (sign in with the token of --token-file)' : ''} (Ctrl-C to stop)\n`);
        if (opts.open && !process.env.CI) openBrowser(url);
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await app.close();
      });
    });
}
