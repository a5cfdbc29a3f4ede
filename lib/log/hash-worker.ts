// The worker thread of BatchHasher: SHA-256 of each stored value of a batch, packed end to end in one
// transferred buffer. It hashes exactly the bytes it is sent; the reader checks the links.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { sha256Hex } from './envelope.js';
import type { HashReply, HashRequest } from './batch-hasher.js';

// Answers go to a port of their own, which the reader polls synchronously between batches.
const answers = (workerData as { port: MessagePort }).port;
parentPort!.on('message', ({ id, packed, ends }: HashRequest) => {
  const bytes = new Uint8Array(packed);
  // One string of all the hex digests: cloned with one copy, where an array clones string by string.
  let hex = '';
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    hex += sha256Hex(bytes.subarray(start, ends[i]));
    start = ends[i]!;
  }
  answers.postMessage({ id, hex } satisfies HashReply);
});
// Until this arrives the reader hashes on its own thread: starting a worker takes tens of milliseconds.
answers.postMessage({ id: -1, hex: '' } satisfies HashReply);
