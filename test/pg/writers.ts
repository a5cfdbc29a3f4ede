// Spawns pg-writer children and reads what they acknowledged.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../support/pg-writer.js', import.meta.url));

/** One writer process and the lines it wrote. */
export class Writer {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  #waiters: (() => void)[] = [];

  constructor(url: string, count: number, tag: string, workers = 4) {
    this.child = spawn(process.execPath, [SCRIPT, url, String(count), tag, String(workers)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let rest = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop()!;
      this.lines.push(...parts);
      for (const w of this.#waiters.splice(0)) w();
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => {
      for (const w of this.#waiters.splice(0)) w();
      resolve(code);
    }));
  }

  /** The names of the files it acknowledged. */
  get acked(): string[] {
    return this.lines.filter((l) => l.startsWith('ack ')).map((l) => l.split(' ')[1]!);
  }

  /** Resolves once a line satisfies `pred` (rejects if the process exits first). */
  async until(pred: (lines: string[]) => boolean): Promise<void> {
    while (!pred(this.lines)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`writer exited (${this.child.exitCode ?? this.child.signalCode}) before: ${this.lines.slice(-3).join(' | ')}`);
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  /** Kills it if it still runs (a failed test must not leave writers behind). */
  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** Asks it to sync and report its head; resolves with `seq hash files`. */
  async head(): Promise<string> {
    this.child.stdin!.write('sync\n');
    await this.until((ls) => ls.some((l) => l.startsWith('head ')));
    return this.lines.find((l) => l.startsWith('head '))!.slice(5);
  }
}
