import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { LineageError } from '../../errors.js';
import { open } from '../../ledger.js';
import { renderTree } from '../render-text.js';
import { transformTitle } from '../../render/details.js';
import { printJson, shellQuote, styleFor } from '../common.js';
import { walkthrough } from '../walkthrough.js';

const MARKER = 'LINEAGE-DEMO';

/** `lineage demo`: the lamindb walkthrough on a fresh ledger, then the lineage of output.bam. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the lamindb walkthrough on a fresh demo ledger and print where output.bam came from')
    .option('--json', 'print the lineage graph as JSON')
    .addHelpText('after', '\nExamples:\n  lineage demo\n  lineage --db /tmp/demo demo --json\n')
    .action(async (opts: { json?: boolean }) => {
      const g = program.opts<{ db?: string }>();
      const path = resolve(g.db ?? process.env.LINEAGE_DB ?? '.lineage-demo');
      await fresh(path);
      const ledger = await open(path);
      try {
        await writeFile(join(path, MARKER), 'made by `lineage demo`; the demo may delete and re-create this folder\n');
        const bam = await walkthrough(ledger, join(path, 'samples'));
        const graph = ledger.lineage(bam, { direction: 'upstream' });
        if (opts.json) {
          printJson(graph);
          return;
        }
        const style = styleFor(process.stdout);
        const run = bam.run!;
        const s = ledger.stats();
        const db = `lineage --db ${shellQuote(path)}`;
        process.stdout.write(
          `Ran the lamindb walkthrough on ${path}: ${s.transforms} transforms, ${s.runs} runs, ${s.files} files (${s.events} events).\n\n` +
            `${style.bold('Where did output.bam come from?')}\n` +
            `${renderTree(graph, ledger, style)}\n\n` +
            `In short: output.bam was made by ${transformTitle(run.transform)} (${run.transform.type}) from ${run.inputs.map((f) => f.name).join(', ')}.\n\n` +
            `Explore it:\n` +
            `  ${db} show output.bam\n` +
            `  ${db} graph input.fastq.gz --direction down\n` +
            `  ${db} graph output.bam --format html -o lineage.html\n` +
            `  ${db} graph output.bam --format mermaid\n`,
        );
      } finally {
        await ledger.close();
      }
    });
}

// A fresh ledger: an absent or empty folder, or one an earlier demo made (never anything else).
async function fresh(path: string): Promise<void> {
  if (!existsSync(path)) return mkdir(path, { recursive: true }).then(() => undefined);
  const entries = await readdir(path);
  if (entries.length === 0) return;
  if (!entries.includes(MARKER)) {
    throw new LineageError('INVALID_ARGUMENT', `${path} exists and was not made by \`lineage demo\`; pass --db with a new folder`);
  }
  await rm(path, { recursive: true, force: true });
  await mkdir(path, { recursive: true });
}
