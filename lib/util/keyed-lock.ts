/** Runs async critical sections one at a time per key, so that check-then-append decisions never race. */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  /**
   * Runs `fn` once every earlier section of `key` has settled. Not an async function: an uncontended
   * key (the usual case) costs two promises, not the half-dozen an async wrapper pays with
   * AsyncLocalStorage's hooks on every promise.
   */
  run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    const before = this.#tails.get(key);
    if (before !== undefined) return this.#after(key, before, fn);
    let done: Promise<T>;
    try {
      done = Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err);
    }
    const tail: Promise<void> = done.then(
      () => this.#release(key, tail),
      () => this.#release(key, tail),
    );
    this.#tails.set(key, tail);
    return done;
  }

  async #after<T>(key: string, before: Promise<void>, fn: () => Promise<T> | T): Promise<T> {
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = before.then(() => mine);
    this.#tails.set(key, tail);
    await before;
    try {
      return await fn();
    } finally {
      release();
      this.#release(key, tail);
    }
  }

  #release(key: string, tail: Promise<void>): void {
    if (this.#tails.get(key) === tail) this.#tails.delete(key);
  }

  /** Runs `fn` holding every lock of `keys`, taken in sorted order so that two callers never wait on each other. */
  async runAll<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const take = (j: number): Promise<T> => (j === sorted.length ? fn() : this.run(sorted[j]!, () => take(j + 1)));
    return take(0);
  }
}
