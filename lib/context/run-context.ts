import { AsyncLocalStorage } from 'node:async_hooks';
import type { Run, Transform } from '../model/records.js';
import { errorText } from '../model/sanitize.js';

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
  scope<T>(ctx: Context, fn: () => Promise<T> | T): Promise<T> | T {
    return this.#als.run(ctx, fn);
  }

  /** The global context (not a scoped run's). */
  get global(): Context {
    return this.#global;
  }
}

/**
 * Runs `fn` as the scoped run `ctx` of `context`, then ends the runs it leaves open (its own, and one
 * that `track()` started inside it): completed, or failed with the error `fn` threw, which is rethrown.
 * `finish` ends a run that is still started and ignores one that is not.
 */
export async function runScoped<T>(context: RunContext, ctx: Context, fn: () => Promise<T> | T, finish: (runId: string, error?: string) => Promise<unknown>): Promise<T> {
  const own = ctx.run?.id;
  let result: T;
  try {
    result = await context.scope(ctx, fn);
  } catch (err) {
    const message = errorText(err);
    for (const r of leftOpen(ctx, own)) await finish(r, message).catch(() => {});
    throw err;
  }
  for (const r of leftOpen(ctx, own)) await finish(r);
  return result;
}

/** The scope's own run, and the one `track()` made the context inside it, if another. */
function leftOpen(ctx: Context, own: string | undefined): string[] {
  const now = ctx.run?.id;
  if (now === own || now === undefined) return own === undefined ? [] : [own];
  return own === undefined ? [now] : [now, own];
}
