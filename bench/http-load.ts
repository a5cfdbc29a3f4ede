// The receiver benchmark's clients: `clients` keep-alive HTTP clients over loopback, each POSTing its
// next OpenLineage RunEvent when the last one was answered. Run in the benchmark's own thread, or in a
// worker thread (a process of its own, as real clients are: its JSON and HTTP work then does not take
// the server's event loop), by `inWorker`.
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

/** Events/s and per-request latency percentiles (ms) of one load. */
export interface LoadResult {
  perSec: number;
  p50: number;
  p99: number;
}

const SCHEMA = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
/** The benchmark's RunEvent number `i`: one input, one output, one of 50 jobs, a fresh runId. */
export const benchEvent = (i: number, type = 'START') =>
  JSON.stringify({ eventTime: new Date().toISOString(), eventType: type, producer: 'https://example.org/bench', schemaURL: SCHEMA, run: { runId: randomUUID() }, job: { namespace: 'bench', name: `job-${i % 50}` }, inputs: [{ namespace: 's3://lake', name: `in-${i}.parquet` }], outputs: [{ namespace: 's3://lake', name: `out-${i}.parquet` }] });

/** POSTs one JSON body to 127.0.0.1:`port` through `agent`; resolves with the status. */
export function postOnce(agent: Agent, port: number, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `clients` concurrent clients post `total` events to `path`; every answer must be `expect`. */
export async function load(port: number, path: string, clients: number, total: number, expect = 201): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const post = (body: string) => postOnce(agent, port, path, body);
  const bodies = Array.from({ length: total }, (_, i) => benchEvent(i));
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  try {
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < total) {
          const body = bodies[next++]!;
          const t = performance.now();
          const status = await post(body);
          lat.push(performance.now() - t);
          if (status !== expect) throw new Error(`status ${status}`);
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  const s = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { perSec: total / s, p50: lat[Math.floor(lat.length * 0.5)]!, p99: lat[Math.floor(lat.length * 0.99)]! };
}

/** The same load from a worker thread. */
export function loadInWorker(port: number, path: string, clients: number, total: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { port, path, clients, total } });
    worker.once('message', (m: LoadResult | { error: string }) => ('error' in m ? reject(new Error(m.error)) : resolve(m)));
    worker.once('error', reject);
  });
}

if (!isMainThread && parentPort && workerData?.port) {
  const { port, path, clients, total } = workerData as { port: number; path: string; clients: number; total: number };
  load(port, path, clients, total).then(
    (r) => parentPort!.postMessage(r),
    (err: Error) => parentPort!.postMessage({ error: err.message }),
  );
}
