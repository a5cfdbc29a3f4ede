import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LineageError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { sha256Hex } from '../log/envelope.js';
import type { InlineBlob } from '../log/event-log.js';
import type { LedgerLog } from '../log/store.js';

/** Content read from a path or a buffer, hashed and ready to be stored. */
export interface PreparedContent {
  hash: string;
  size: number;
  /** The bytes, when the content is small enough to be stored inline. */
  bytes?: Buffer;
  /** A temporary copy inside the store, when it is stored as a file. */
  tmpPath?: string;
}

/**
 * The content-addressed object store: small contents live in LevelDB (written in the same batch as
 * their event), large ones as files named by their hash, so no file name can escape the store.
 */
export class ObjectStore {
  readonly #log: LedgerLog;
  readonly #dir: string | undefined;
  readonly #sync: boolean;
  // Small contents written lately, by hash: a pipeline reads what the step before it wrote, and this
  // saves that read its round trip to LevelDB. Bytes we hashed ourselves; callers get copies.
  readonly #recent = new Map<string, Buffer>();
  #recentBytes = 0;

  /** `dir` undefined keeps every content inline (in-memory ledgers). */
  constructor(log: LedgerLog, dir: string | undefined, sync: boolean) {
    this.#log = log;
    this.#dir = dir;
    this.#sync = sync;
  }

  /** Hashes small in-memory content at once (no promise on the path of an add); undefined for a path or content stored as a file. */
  prepareBytes(source: string | Uint8Array): PreparedContent | undefined {
    if (typeof source === 'string' || (source.byteLength > LIMITS.inlineContentBytes && this.#dir)) return undefined;
    const bytes = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
    return { hash: sha256(bytes), size: bytes.length, bytes: Buffer.from(bytes) };
  }

  /** Hashes content from a path or bytes; large content is copied into the store's temp area while hashing. */
  async prepare(source: string | Uint8Array): Promise<PreparedContent> {
    if (typeof source !== 'string') {
      const bytes = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
      // Large in-memory content goes to a file like large content from a path: never one huge LevelDB value.
      if (bytes.length <= LIMITS.inlineContentBytes || !this.#dir) return { hash: sha256(bytes), size: bytes.length, bytes: Buffer.from(bytes) };
      const tmpPath = await this.#tmpPath();
      await writeFile(tmpPath, bytes);
      return { hash: sha256(bytes), size: bytes.length, tmpPath };
    }
    let size: number;
    try {
      const st = await stat(source);
      if (!st.isFile()) throw new LineageError('FILE_NOT_FOUND', `${source} is not a regular file`);
      size = st.size;
    } catch (err) {
      if (err instanceof LineageError) throw err;
      throw new LineageError('FILE_NOT_FOUND', `cannot read ${source}: ${(err as NodeJS.ErrnoException).code ?? err}; check the path`, { cause: err });
    }
    if (size <= LIMITS.inlineContentBytes || !this.#dir) {
      const bytes = await readFile(source);
      return { hash: sha256(bytes), size: bytes.length, bytes };
    }
    const tmpPath = await this.#tmpPath();
    const hasher = createHash('sha256');
    let copied = 0;
    try {
      await pipeline(
        createReadStream(source),
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            hasher.update(chunk);
            copied += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(tmpPath),
      );
    } catch (err) {
      await rm(tmpPath, { force: true });
      throw new LineageError('FILE_NOT_FOUND', `cannot copy ${source} into the store: ${(err as Error).message}`, { cause: err });
    }
    return { hash: hasher.digest('hex'), size: copied, tmpPath };
  }

  async #tmpPath(): Promise<string> {
    const tmpDir = join(this.#dir!, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    return join(tmpDir, randomBytes(12).toString('hex'));
  }

  /** commit() of content stored inline, at once; undefined for content stored as a file. */
  commitInline(content: PreparedContent): { key: string; blob: InlineBlob } | undefined {
    if (!content.bytes) return undefined;
    this.#remember(content.hash, content.bytes);
    return { key: `inline/${content.hash}`, blob: { key: content.hash, value: content.bytes } };
  }

  /** Makes prepared content permanent; returns its key and the blob to write with the event, if inline. */
  async commit(content: PreparedContent): Promise<{ key: string; blob?: InlineBlob }> {
    const inline = this.commitInline(content);
    if (inline) return inline;
    const dir = join(this.#dir!, 'objects', content.hash.slice(0, 2));
    await mkdir(dir, { recursive: true });
    const final = join(dir, content.hash);
    if (this.#sync) await fsyncPath(content.tmpPath!);
    await rename(content.tmpPath!, final);
    if (this.#sync) await fsyncPath(dir);
    return { key: `objects/${content.hash}` };
  }

  #remember(hash: string, bytes: Buffer): void {
    if (this.#recent.has(hash)) return;
    this.#recent.set(hash, bytes);
    this.#recentBytes += bytes.length;
    // The oldest go first (a Map keeps insertion order); keys() alone makes no entry pairs.
    for (const h of this.#recent.keys()) {
      if (this.#recentBytes <= RECENT_BYTES) break;
      this.#recentBytes -= this.#recent.get(h)!.length;
      this.#recent.delete(h);
    }
  }

  /** Removes stored content for good (an erase): the inline blob or the object file, and any copy kept for reading back. */
  async remove(key: string): Promise<void> {
    const [where, hex] = key.split('/') as [string, string];
    this.#recentBytes -= this.#recent.get(hex)?.length ?? 0;
    this.#recent.delete(hex);
    // Without a folder (PostgreSQL), an `objects/` content copied from a folder lives beside the log too.
    if (where === 'inline' || !this.#dir) await this.#log.deleteBlob(hex);
    else {
      const dir = join(this.#dir, 'objects', hex.slice(0, 2));
      await rm(join(dir, hex), { force: true });
      if (this.#sync) await fsyncPath(dir);
    }
  }

  /** True when bytes are stored under `key` (an erase that a crash cut short leaves them). */
  async has(key: string): Promise<boolean> {
    const [where, hex] = key.split('/') as [string, string];
    if (where === 'inline' || !this.#dir) return (await this.#log.getBlob(hex)) !== undefined;
    return stat(join(this.#dir, 'objects', hex.slice(0, 2), hex)).then(
      () => true,
      () => false,
    );
  }

  /** Removes the temporary copy of content that was not committed. */
  async discard(content: PreparedContent): Promise<void> {
    if (content.tmpPath) await rm(content.tmpPath, { force: true });
  }

  /** Streams content by key, unchecked: the reader hashes what it receives (large contents never sit in memory whole). */
  async stream(key: string, name: string): Promise<Readable> {
    const [where, hex] = key.split('/') as [string, string];
    if (where === 'inline' || !this.#dir) {
      const b = await this.#log.getBlob(hex);
      if (b) return Readable.from([Buffer.from(b.buffer, b.byteOffset, b.byteLength)]);
    } else {
      try {
        const fh = await open(join(this.#dir, 'objects', hex.slice(0, 2), hex), 'r');
        return fh.createReadStream();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    throw new LineageError('CONTENT_MISSING', `the content of ${name} (${key}) is missing from the store; restore it from a backup`);
  }

  /** A copy of small content written lately (bytes we hashed ourselves), at once; undefined if it must be read. */
  readRecent(key: string, hash: string | undefined): Buffer | undefined {
    if (hash === undefined || key.length !== 7 + hash.length || !key.startsWith('inline/') || !key.endsWith(hash)) return undefined;
    const recent = this.#recent.get(hash);
    return recent ? Buffer.from(recent) : undefined;
  }

  /** Reads content by key and checks it against `hash`. */
  async read(key: string, hash: string | undefined, name: string): Promise<Buffer> {
    const [where, hex] = key.split('/') as [string, string];
    let bytes: Buffer | undefined;
    if (where === 'inline' || !this.#dir) {
      const recent = hash === hex ? this.#recent.get(hex) : undefined;
      if (recent) return Buffer.from(recent);
      const b = await this.#log.getBlob(hex);
      bytes = b ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : undefined;
    } else {
      try {
        bytes = await readFile(join(this.#dir, 'objects', hex.slice(0, 2), hex));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    if (!bytes) throw new LineageError('CONTENT_MISSING', `the content of ${name} (${key}) is missing from the store; restore it from a backup`);
    if (hash !== undefined && sha256(bytes) !== hash) {
      throw new LineageError('INTEGRITY_MISMATCH', `the stored content of ${name} does not match its recorded hash ${hash}: it was changed behind the ledger's back`);
    }
    return bytes;
  }
}

// At most this many bytes of recently written small contents are kept for reading back.
const RECENT_BYTES = 4 << 20;

function sha256(bytes: Uint8Array): string {
  return sha256Hex(bytes);
}

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
