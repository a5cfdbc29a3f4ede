import pg from 'pg';
import { lockKey } from './pg-sequencer.js';

/**
 * A process's seat at a ledger's sequencer: one connection of its own that tries to take the
 * ledger's sequencer lock (a session-level advisory lock) and, while it holds it, runs the
 * sequencing passes and hears writers' `lineage_pending` notifications. At most one process holds
 * it; the lock goes with the session, so when the holder dies (or its connection does) PostgreSQL
 * releases it and a waiting writer takes it over. TCP keepalives make the server notice a silent
 * peer in about half a minute.
 */
export class SequencerSeat {
  readonly #config: pg.ClientConfig;
  readonly #ledger: string;
  readonly #onPending: () => void;
  #client: pg.Client | undefined;
  #held = false;
  #closed = false;

  constructor(config: pg.ClientConfig, ledger: string, onPending: () => void) {
    this.#config = config;
    this.#ledger = ledger;
    this.#onPending = onPending;
  }

  /** True while this process holds the ledger's sequencer lock. */
  get held(): boolean {
    return this.#held;
  }

  /** The connection that holds the lock (only while `held`). */
  get client(): pg.Client {
    if (!this.#held || !this.#client) throw new Error('the sequencer lock is not held');
    return this.#client;
  }

  /** Tries to take the lock (without waiting); true if this process now holds it. Connection errors throw. */
  async take(): Promise<boolean> {
    if (this.#held) return true;
    if (this.#closed) return false;
    if (!this.#client) {
      const client = new pg.Client({ ...this.#config, keepAlive: true });
      client.on('error', () => this.#drop(client));
      client.on('end', () => this.#drop(client));
      client.on('notification', (msg) => {
        if (this.#held && msg.channel === 'lineage_pending' && msg.payload === this.#ledger) this.#onPending();
      });
      this.#client = client;
      try {
        await client.connect();
        // The idle seat must not keep the process alive.
        (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
        await client.query('SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3');
      } catch (err) {
        this.#drop(client);
        await client.end().catch(() => {});
        throw err;
      }
    }
    const client = this.#client;
    const { rows } = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${lockKey(this.#ledger)}) AS ok`);
    if (!rows[0]?.ok || this.#client !== client) return false;
    await client.query('LISTEN lineage_pending');
    this.#held = true;
    return true;
  }

  #drop(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#held = false;
  }

  /** Gives the lock up (ending the connection: whatever it was doing rolls back). */
  async release(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    this.#drop(client);
    await client.end().catch(() => {});
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.release();
  }
}
