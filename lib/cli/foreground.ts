import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** How a command ended. */
export type Outcome =
  | { kind: 'exited'; code: number }
  | { kind: 'signalled'; signal: NodeJS.Signals }
  | { kind: 'not-started'; code: 126 | 127; reason: string }
  | { kind: 'interrupted-before-start'; signal: NodeJS.Signals };

/** Signals a user or a scheduler sends to stop a job: forwarded to the command, and the run recorded as failed. */
const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

/**
 * Holds the stop signals for the life of `lineage exec`: while the command runs they are forwarded to
 * it; before and after, the first one is remembered, so that the ledger is always closed cleanly and
 * the signal is raised again at the very end (make and shells then see the step interrupted).
 */
export class SignalGate {
  #received: NodeJS.Signals | undefined;
  #idle: NodeJS.Signals | undefined;
  #child: { kill(signal: NodeJS.Signals): boolean } | undefined;
  readonly #handlers = new Map<NodeJS.Signals, () => void>();

  constructor() {
    for (const signal of FORWARDED) {
      const handler = () => {
        this.#received ??= signal;
        if (this.#child) this.#child.kill(signal);
        else this.#idle ??= signal;
      };
      this.#handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  /** The first stop signal received while no command ran (opening or closing the ledger). */
  get receivedIdle(): NodeJS.Signals | undefined {
    return this.#idle;
  }

  /** The first stop signal received, if any. */
  get received(): NodeJS.Signals | undefined {
    return this.#received;
  }

  /** Runs `argv` with this terminal's stdio, forwarding stop signals to it, and says how it ended. */
  run(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
    if (this.#received) return Promise.resolve({ kind: 'interrupted-before-start', signal: this.#received });
    return new Promise((done) => {
      const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit', env });
      this.#child = child;
      child.on('error', (err: NodeJS.ErrnoException) => {
        this.#child = undefined;
        if (err.code === 'ENOENT') done({ kind: 'not-started', code: 127, reason: `command not found: ${argv[0]}` });
        else if (err.code === 'EACCES') done({ kind: 'not-started', code: 126, reason: `permission denied: ${argv[0]}` });
        else done({ kind: 'not-started', code: 126, reason: `cannot run ${argv[0]}: ${err.message}` });
      });
      child.on('exit', (code, signal) => {
        this.#child = undefined;
        done(signal ? { kind: 'signalled', signal } : { kind: 'exited', code: code ?? 1 });
      });
    });
  }

  /** Stops holding the signals; with `signal`, raises it on this process (or exits 128 + its number if that does not end it). */
  release(signal?: NodeJS.Signals): void {
    for (const [s, h] of this.#handlers) process.off(s, h);
    this.#handlers.clear();
    if (!signal) return;
    process.kill(process.pid, signal);
    // A signal this process ignores (nohup) does not end it: exit as a shell reports a signalled job.
    process.exitCode = 128 + (constants.signals[signal] ?? 0);
  }
}
