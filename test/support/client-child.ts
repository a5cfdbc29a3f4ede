// A worker process that reports into a shared ledger through connect(), as a pipeline step would.
//   node client-child.js pipeline URL TOKEN WORKER RUNS EXPECTED_RUNS  → scoped runs, then the lineage it reads
//   node client-child.js upload URL TOKEN PATH OUT                     → adds PATH, downloads it to OUT, reports its peak memory
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { connect, File, Run, Transform } from 'lineage-ledger';

const [mode, url, token, ...rest] = process.argv.slice(2);
const ln = await connect(url!, { token });

if (mode === 'pipeline') {
  const [worker, runs, expected] = [rest[0]!, Number(rest[1]), Number(rest[2])];
  const reference = ln.select(File, { name: 'reference.fa' }).one();
  const ids = await Promise.all(
    Array.from({ length: runs }, (_, i) =>
      ln.run(
        new Transform({ name: 'align', version: '1' }),
        async (run) => {
          if (ln.context.run!.id !== run.id) throw new Error('the context is not this scope\'s run');
          await reference.load({ isRunInput: true });
          await new Promise((r) => setTimeout(r, Math.random() * 5));
          await ln.add(new File(Buffer.from(`aligned by ${worker} #${i}`), { name: `${worker}-${i}.bam` }));
          if (ln.context.run!.id !== run.id) throw new Error('the context changed inside the scope');
          return run.id;
        },
        { params: { worker, i } },
      ),
    ),
  );
  // Every worker waits until it sees every worker's runs completed, then reads the same lineage.
  while (ln.select(Run, { status: 'completed' }).count() < expected) {
    await new Promise((r) => setTimeout(r, 20));
    await ln.sync();
  }
  const graph = ln.lineage(ln.select(File, { name: 'reference.fa' }).one(), { direction: 'downstream' });
  process.stdout.write(`${JSON.stringify({ ids, head: ln.head, nodes: graph.nodes.map((n) => n.id).sort(), edges: graph.edges.length })}\n`);
} else if (mode === 'upload') {
  const [path, out] = [rest[0]!, rest[1]!];
  const file = await ln.add(new File(path));
  const afterUpload = process.resourceUsage().maxRSS;
  const got = await ln.download(file, out);
  const hasher = createHash('sha256');
  for await (const c of createReadStream(out)) hasher.update(c as Buffer);
  process.stdout.write(`${JSON.stringify({ id: file.id, hash: file.hash, size: file.size, downloaded: got, onDisk: hasher.digest('hex'), afterUpload, maxRSS: process.resourceUsage().maxRSS })}\n`);
}
await ln.close();
