// The worker thread of BatchHasher: SHA-256 of each stored value of a batch, packed end to end in one
// transferred buffer. It hashes exactly the bytes it is sent; the links are checked by the reader.
import { parentPort } from 'node:worker_threads';
import { sha256Hex } from './envelope.js';
import type { HashReply, HashRequest } from './batch-hasher.js';

const port = parentPort!;
port.on('message', ({ id, packed, ends }: HashRequest) => {
  const bytes = new Uint8Array(packed);
  // One string of all the hex digests: cloned with one copy, where an array clones string by string.
  let hex = '';
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    hex += sha256Hex(bytes.subarray(start, ends[i]));
    start = ends[i]!;
  }
  port.postMessage({ id, hex } satisfies HashReply);
});
// Until this arrives the reader hashes on its own thread: starting a worker takes tens of milliseconds.
port.postMessage({ id: -1, hex: '' } satisfies HashReply);
