import { createHash } from 'node:crypto';
import { ClassicLevel } from 'classic-level';

const WIDTH = 16;
const key = (seq: number) => String(seq).padStart(WIDTH, '0');
// Bytes per nextv: classic-level's default (16 kB, about 50 events) makes ~20× more calls than the ledger's 1 MB.
const READ_BYTES = 1 << 20;

/**
 * The floor of our own stack: the same stored bytes in a bare classic-level database, written in
 * batches under fixed-width seq keys and read back with `nextv`.
 */
export class RawLevel {
  readonly db: ClassicLevel<string, Uint8Array>;

  constructor(path: string) {
    this.db = new ClassicLevel<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' });
  }

  async open(): Promise<void> {
    await this.db.open();
  }

  /**
   * Writes `values` as seqs `from`, `from + 1`, … in batches of `batch`: as an array of operations
   * (`db.batch([...])`), or with `chained`, as a chained batch (`db.batch().put(…).write()`), which
   * skips abstract-level's per-operation object handling and is the faster of the two (the ledger
   * writes chained batches).
   */
  async write(values: readonly Uint8Array[], from = 1, batch = 1000, sync = false, chained = false): Promise<void> {
    for (let i = 0; i < values.length; i += batch) {
      const end = Math.min(values.length, i + batch);
      if (chained) {
        const b = this.db.batch();
        for (let j = i; j < end; j++) b.put(key(from + j), values[j]!);
        await b.write({ sync });
        continue;
      }
      const ops = [];
      for (let j = i; j < end; j++) ops.push({ type: 'put' as const, key: key(from + j), value: values[j]! });
      await this.db.batch(ops, { sync });
    }
  }

  /** One put and one fsync per value: the durable append without group commit. */
  async writeEachSynced(values: readonly Uint8Array[], from = 1): Promise<void> {
    for (let i = 0; i < values.length; i++) await this.db.put(key(from + i), values[i]!, { sync: true });
  }

  /**
   * Reads every value with nextv (1 MB a call, as the ledger reads) and JSON.parse; with `hash`,
   * also SHA-256 of each value; with `text`, values come from LevelDB as strings (the ledger's own
   * fast path) rather than bytes. Returns the count.
   */
  async replay(hash = false, text = false): Promise<number> {
    const it = this.db.iterator<string, Uint8Array | string>({ highWaterMarkBytes: READ_BYTES, valueEncoding: text ? 'utf8' : 'view' });
    const decoder = new TextDecoder();
    let n = 0;
    let sink = 0;
    try {
      for (;;) {
        const entries = await it.nextv(1000);
        if (entries.length === 0) break;
        for (const [, value] of entries) {
          const e = JSON.parse(typeof value === 'string' ? value : decoder.decode(value));
          if (hash) sink += createHash('sha256').update(value).digest('hex').length;
          sink += e.seq;
          n++;
        }
      }
    } finally {
      await it.close();
    }
    if (sink < 0) console.log(sink);
    return n;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
