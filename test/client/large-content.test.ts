import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import { File, open } from 'lineage-ledger';
import { tempDir } from '../helpers.js';
import { serving } from '../support/serve.js';

const run = promisify(execFile);
const child = fileURLToPath(new URL('../support/client-child.js', import.meta.url));
const test = suite('connect() with large contents');
const MB = 1 << 20;

/** Writes `mb` MiB of varied bytes to `path` a MiB at a time; returns their SHA-256. */
async function bigFile(path: string, mb: number): Promise<string> {
  const out = createWriteStream(path);
  const hasher = createHash('sha256');
  for (let i = 0; i < mb; i++) {
    const chunk = Buffer.alloc(MB, i % 251);
    chunk.writeUInt32BE(i, 0);
    hasher.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  return hasher.digest('hex');
}

test('a 50 MB content goes up and comes down streamed: the hash holds, and the worker\'s memory stays far below the content', async () => {
  const { dir, cleanup } = tempDir();
  const ledger = await open(`${dir}/ledger`);
  const server = await serving(ledger, { token: 'tok' });
  try {
    const hash = await bigFile(`${dir}/big.bin`, 50);
    await bigFile(`${dir}/small.bin`, 1);
    // The same worker with a 1 MB content: what the process needs anyway.
    const small = JSON.parse((await run(process.execPath, [child, 'upload', server.url, 'tok', `${dir}/small.bin`, `${dir}/small.out`])).stdout) as { maxRSS: number };
    const big = JSON.parse((await run(process.execPath, [child, 'upload', server.url, 'tok', `${dir}/big.bin`, `${dir}/big.out`])).stdout) as {
      id: string; hash: string; size: number; downloaded: { size: number; hash: string }; onDisk: string; afterUpload: number; maxRSS: number;
    };
    assert.equal(big.hash, hash);
    assert.equal(big.size, 50 * MB);
    assert.deepEqual(big.downloaded, { size: 50 * MB, hash });
    assert.equal(big.onDisk, hash);
    // maxRSS is in KiB. 50 MB held whole would show up as 50 MB or more above the small run; streamed
    // chunks are garbage that V8 collects lazily (about 30 MB here), whatever the content's size.
    const extraMb = (big.maxRSS - small.maxRSS) / 1024;
    assert.ok(extraMb < 40, `the worker used ${extraMb.toFixed(1)} MB more for 50 MB than for 1 MB`);
    const f = ledger.select(File, { name: 'big.bin' }).one();
    assert.equal(f.id, big.id);
    assert.equal(f.storageKey, `objects/${hash}`);
    const bytes = await f.load();
    assert.equal(createHash('sha256').update(bytes).digest('hex'), hash);
  } finally {
    await server.close();
    await ledger.close();
    cleanup();
  }
});

test.run();
