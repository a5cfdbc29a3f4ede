import { AsyncLocalStorage } from 'node:async_hooks';
import type { Run, Transform } from '../model/records.js';

/** The transform and run that tracked operations are attributed to. */
export interface Context {
  transform?: Transform;
  run?: Run;
}

/**
 * The run context: a scoped run (`ledger.run`) owns the context of everything it awaits, through
 * AsyncLocalStorage; outside any scope, the global context set by `track()` applies.
 */
export class RunContext {
  readonly #als = new AsyncLocalStorage<Context>();
  readonly #global: Context = {};

  /** The context in effect for the calling async chain. */
  current(): Context {
    return this.#als.getStore() ?? this.#global;
  }

  /** True when the caller is inside a scoped run. */
  get scoped(): boolean {
    return this.#als.getStore() !== undefined;
  }

  /** Runs `fn` with `ctx` as its context and that of everything it awaits. */
  scope<T>(ctx: Context, fn: () => Promise<T>): Promise<T> {
    return this.#als.run(ctx, fn);
  }

  /** The global context (not a scoped run's). */
  get global(): Context {
    return this.#global;
  }
}
