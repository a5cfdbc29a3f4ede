import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { File, open, type Ledger } from 'lineage-ledger';
import { walkthrough } from '../lib/cli/walkthrough.js';

/** An in-memory ledger holding the demo (the lamindb walkthrough); returns it with its output.bam. */
export async function demoLedger(): Promise<{ ledger: Ledger; bam: File }> {
  const ledger = await open({ memory: true });
  const dir = mkdtempSync(join(tmpdir(), 'lineage-interop-'));
  try {
    // The walkthrough module is typed against the sources; the ledger is the same class at run time.
    await walkthrough(ledger as never, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { ledger, bam: ledger.select(File, { name: 'output.bam' }).one() };
}

/** A lineage graph by names: each edge as "kind:label -type-> kind:label", sorted, and the nodes likewise. */
export function byNames(g: { nodes: { id: string; kind: string; label: string; depth: number }[]; edges: { from: string; to: string; type: string }[] }) {
  const name = new Map(g.nodes.map((n) => [n.id, `${n.kind}:${n.label}`]));
  return {
    nodes: g.nodes.map((n) => `${n.kind}:${n.label}@${n.depth}`).sort(),
    edges: g.edges.map((e) => `${name.get(e.from)} -${e.type}-> ${name.get(e.to)}`).sort(),
  };
}
