/** Runs async critical sections one at a time per key, so that check-then-append decisions never race. */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = before.then(() => mine);
    this.#tails.set(key, tail);
    await before;
    try {
      return await fn();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Runs `fn` holding every lock of `keys`, taken in sorted order so that two callers never wait on each other. */
  async runAll<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const take = (j: number): Promise<T> => (j === sorted.length ? fn() : this.run(sorted[j]!, () => take(j + 1)));
    return take(0);
  }
}
