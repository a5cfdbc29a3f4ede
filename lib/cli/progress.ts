import cliProgress from 'cli-progress';

/** A progress report for long work: a bar on a terminal, nothing anywhere else. */
export interface Progress {
  /** Reports `done` of `total` units (the total may be given or changed at any call). */
  update(done: number, total?: number): void;
  /** Removes the bar; further updates do nothing. */
  stop(): void;
}

/** Options of `progress()`. */
export interface ProgressOptions {
  /** Where the bar goes (default stderr, so that stdout stays clean for pipes and --json). */
  stream?: NodeJS.WriteStream;
  /** Work that ends sooner than this shows no bar at all (default 300 ms), so quick commands do not flicker. */
  delayMs?: number;
  /** The unit counted, shown after the numbers (default `events`). */
  unit?: string;
}

const NOTHING: Progress = { update: () => {}, stop: () => {} };

/**
 * A progress bar on stderr, labelled `label`, shown only when the stream is a terminal and the work
 * has lasted longer than `delayMs`; otherwise every call does nothing. For `verify`, `export` and the
 * like: `const p = progress('verifying'); … p.update(seq, head); … p.stop()`.
 */
export function progress(label: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (!stream.isTTY) return NOTHING;
  const startedAt = Date.now();
  const delay = options.delayMs ?? 300;
  let bar: cliProgress.SingleBar | undefined;
  let total = 0;
  let done = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const show = () => {
    if (stopped || bar || total === 0 || done >= total) return;
    bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${label} [{bar}] {percentage}% {value}/{total} ${options.unit ?? 'events'} · {duration_formatted}`,
        hideCursor: true,
        clearOnComplete: true,
        barsize: 30,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, done);
  };
  return {
    update(now, newTotal) {
      if (stopped) return;
      done = now;
      if (newTotal !== undefined && newTotal !== total) {
        total = newTotal;
        bar?.setTotal(total);
      }
      if (bar) return bar.update(done);
      if (Date.now() - startedAt >= delay) return show();
      // A step that starts before the delay and runs long (a layout, a big batch) still gets its bar.
      timer ??= setTimeout(show, delay - (Date.now() - startedAt)).unref();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      bar?.stop();
    },
  };
}

/** Runs `fn` with a progress bar, and removes the bar when it ends, whether it succeeds or throws. */
export async function withProgress<T>(label: string, fn: (p: Progress) => Promise<T>, options?: ProgressOptions): Promise<T> {
  const p = progress(label, options);
  try {
    return await fn(p);
  } finally {
    p.stop();
  }
}
