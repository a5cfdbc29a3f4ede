import { createHash } from 'node:crypto';
import { ClassicLevel } from 'classic-level';

const WIDTH = 16;
const key = (seq: number) => String(seq).padStart(WIDTH, '0');

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

  /** Writes `values` as seqs `from`, `from + 1`, … in batches of `batch`. */
  async write(values: readonly Uint8Array[], from = 1, batch = 1000, sync = false): Promise<void> {
    for (let i = 0; i < values.length; i += batch) {
      const ops = [];
      for (let j = i; j < Math.min(values.length, i + batch); j++) ops.push({ type: 'put' as const, key: key(from + j), value: values[j]! });
      await this.db.batch(ops, { sync });
    }
  }

  /** One put and one fsync per value: the durable append without group commit. */
  async writeEachSynced(values: readonly Uint8Array[], from = 1): Promise<void> {
    for (let i = 0; i < values.length; i++) await this.db.put(key(from + i), values[i]!, { sync: true });
  }

  /** Reads every value with nextv and JSON.parse; with `hash`, also SHA-256 of each value. Returns the count. */
  async replay(hash = false): Promise<number> {
    const it = this.db.iterator();
    const decoder = new TextDecoder();
    let n = 0;
    let sink = 0;
    try {
      for (;;) {
        const entries = await it.nextv(1000);
        if (entries.length === 0) break;
        for (const [, bytes] of entries) {
          const e = JSON.parse(decoder.decode(bytes));
          if (hash) sink += createHash('sha256').update(bytes).digest('hex').length;
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
