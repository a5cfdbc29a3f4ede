import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
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

// After this many late answers in a row, the rest of the read is hashed on the reader's thread.
const MAX_LATE = 4;

/** A batch handed to the worker by `BatchHasher.start`. */
export interface HashTicket {
  id: number;
}

/** SHA-256 (hex) of each value, on this thread. */
export function hashAll(values: readonly Uint8Array[]): string[] {
  const hashes = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) hashes[i] = sha256Hex(values[i]!);
  return hashes;
}

/**
 * Hashes the stored values of each batch a reader reads. For a long read, a worker thread hashes a
 * batch while the reader parses it: `start` hands the batch over, `finish` takes the worker's
 * answer if it is there, and else hashes the batch on the reader's thread (so a slow or failed
 * worker never holds a read up). Every value is hashed either way; the reader checks the links.
 */
export class BatchHasher {
  #worker: Worker | undefined;
  // Answers are taken synchronously (receiveMessageOnPort): no turn of the event loop per batch.
  #port: MessagePort | undefined;
  #ready = false;
  #nextId = 0;
  // Batches in a row whose answer came too late: a worker starved of CPU is only in the way.
  #late = 0;

  /** A hasher for a read of about `events` events. */
  constructor(events: number) {
    if (events < WORKER_MIN_EVENTS) return;
    const { port1, port2 } = new MessageChannel();
    try {
      this.#worker = new Worker(new URL('./hash-worker.js', import.meta.url), { workerData: { port: port2 }, transferList: [port2] });
    } catch {
      port1.close();
      return;
    }
    // Never the reason a process stays alive, even if a reader is dropped unfinished and never closes it.
    this.#worker.unref();
    // A worker that fails leaves its batches to this thread (finish() finds no answer).
    this.#worker.on('error', () => this.close());
    this.#port = port1;
  }

  /** Hands the values to the worker, when it is up; `finish` gets their hashes. */
  start(values: readonly Uint8Array[]): HashTicket | undefined {
    const worker = this.#worker;
    if (!worker || !(this.#ready ||= this.#take(-1) !== undefined)) return undefined;
    const ends = new Uint32Array(values.length);
    let end = 0;
    for (let i = 0; i < values.length; i++) ends[i] = end += values[i]!.byteLength;
    // One copy into one buffer, transferred: cheaper than transferring each value's own buffer.
    const packed = new Uint8Array(end);
    for (let i = 0; i < values.length; i++) packed.set(values[i]!, i === 0 ? 0 : ends[i - 1]);
    const id = this.#nextId++;
    worker.postMessage({ id, packed: packed.buffer, ends } satisfies HashRequest, [packed.buffer, ends.buffer]);
    return { id };
  }

  /** The SHA-256 (hex) of each value, in order: the worker's answer to `ticket` if it came, else made here. */
  finish(ticket: HashTicket | undefined, values: readonly Uint8Array[]): string[] {
    const hex = ticket && this.#take(ticket.id);
    if (hex === undefined || hex.length !== values.length * 64) {
      if (ticket && ++this.#late === MAX_LATE) this.close();
      return hashAll(values);
    }
    this.#late = 0;
    const hashes = new Array<string>(values.length);
    for (let i = 0; i < hashes.length; i++) hashes[i] = hex.slice(i * 64, i * 64 + 64);
    return hashes;
  }

  // The answer to batch `id` if it is already there; answers to batches hashed here meanwhile are dropped.
  #take(id: number): string | undefined {
    const port = this.#port;
    if (!port) return undefined;
    for (;;) {
      const got = receiveMessageOnPort(port)?.message as HashReply | undefined;
      if (got === undefined || got.id === id) return got?.hex;
      if (got.id > id) return undefined;
    }
  }

  /** Stops the worker; batches still out are not waited for. */
  close(): void {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#port?.close();
    this.#port = undefined;
    worker?.terminate().catch(() => {});
  }
}
