import { Worker } from 'node:worker_threads';
import { sha256Hex } from './envelope.js';

/** A batch sent to the hash worker: its values packed end to end, and where each one ends. */
export interface HashRequest {
  id: number;
  packed: ArrayBuffer;
  ends: Uint32Array;
}

/** The worker's answer: the SHA-256 (hex) of each value of batch `id`, end to end; id -1 says it is ready. */
export interface HashReply {
  id: number;
  hex: string;
}

/** A read must span at least this many events before its hashing moves to a worker thread. */
export const WORKER_MIN_EVENTS = 16_000;

interface Job {
  id: number;
  values: readonly Uint8Array[];
  resolve: (hashes: string[]) => void;
}

/** SHA-256 (hex) of each value, on this thread. */
export function hashAll(values: readonly Uint8Array[]): string[] {
  const hashes = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) hashes[i] = sha256Hex(values[i]!);
  return hashes;
}

/**
 * Hashes the stored values of each batch a reader reads. For a long read, a worker thread hashes a
 * batch while the reader parses it (the reader still checks every link itself); until the worker is
 * up, and if it ever fails, the reader's own thread does. Every value is hashed either way.
 */
export class BatchHasher {
  #worker: Worker | undefined;
  #ready = false;
  #jobs: Job[] = [];
  #nextId = 0;

  /** A hasher for a read of about `events` events. */
  constructor(events: number) {
    if (events < WORKER_MIN_EVENTS) return;
    let worker: Worker;
    try {
      worker = new Worker(new URL('./hash-worker.js', import.meta.url));
    } catch {
      return;
    }
    // Never the reason a process stays alive: a reader that is dropped unfinished does not close it.
    worker.unref();
    worker.on('message', (reply: HashReply) => this.#reply(reply));
    worker.on('error', () => this.#fallBack());
    worker.on('exit', () => this.#fallBack());
    this.#worker = worker;
  }

  /** The SHA-256 (hex) of each value, in order: now, or once the worker has them. */
  hash(values: readonly Uint8Array[]): string[] | Promise<string[]> {
    const worker = this.#worker;
    if (!this.#ready || !worker) return hashAll(values);
    const ends = new Uint32Array(values.length);
    let end = 0;
    for (let i = 0; i < values.length; i++) ends[i] = end += values[i]!.byteLength;
    // One copy into one buffer, transferred: cheaper than transferring each value's own buffer.
    const packed = new Uint8Array(end);
    for (let i = 0; i < values.length; i++) packed.set(values[i]!, i === 0 ? 0 : ends[i - 1]);
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#jobs.push({ id, values, resolve });
      worker.postMessage({ id, packed: packed.buffer, ends } satisfies HashRequest, [packed.buffer, ends.buffer]);
    });
  }

  #reply({ id, hex }: HashReply): void {
    if (id === -1) {
      this.#ready = true;
      return;
    }
    const job = this.#jobs.shift();
    // The worker answers in order; anything else is a bug, and the batch is hashed here instead.
    if (!job) return;
    if (job.id !== id || hex.length !== job.values.length * 64) return job.resolve(hashAll(job.values));
    const hashes = new Array<string>(job.values.length);
    for (let i = 0; i < hashes.length; i++) hashes[i] = hex.slice(i * 64, i * 64 + 64);
    job.resolve(hashes);
  }

  // A worker that failed or exited leaves its batches to this thread.
  #fallBack(): void {
    this.#worker = undefined;
    this.#ready = false;
    for (const job of this.#jobs.splice(0)) job.resolve(hashAll(job.values));
  }

  /** Stops the worker; batches still out are not awaited by anyone. */
  close(): void {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#ready = false;
    this.#jobs = [];
    worker?.terminate().catch(() => {});
  }
}
