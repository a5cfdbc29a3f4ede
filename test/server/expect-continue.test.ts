import assert from 'node:assert/strict';
import { request } from 'node:http';
import { suite } from 'uvu';
import { open } from 'lineage-ledger';
import { serving } from '../support/serve.js';

const test = suite('Expect: 100-continue');

/** POSTs `length` bytes announced with Expect: 100-continue; resolves with the status and whether the server asked for the body. */
function postExpecting(url: string, length: number): Promise<{ status: number; continued: boolean; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(`${url}/api/v1/lineage`);
    let continued = false;
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': length, expect: '100-continue' } });
    req.on('continue', () => {
      continued = true;
      req.end(Buffer.alloc(length, 32));
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode!, continued, body }));
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

test('a body announced over the limit is refused with 413 JSON before it is sent; one under it is read as usual', async () => {
  const ledger = await open({ memory: true });
  const server = await serving(ledger, { bodyLimit: 64 * 1024 });
  try {
    const large = await postExpecting(server.url, 1024 * 1024);
    assert.equal(large.status, 413);
    assert.equal(large.continued, false);
    assert.equal(JSON.parse(large.body).code, 'BODY_TOO_LARGE');
    const small = await postExpecting(server.url, 16);
    assert.equal(small.continued, true);
    assert.equal(small.status, 400);
    assert.equal(JSON.parse(small.body).code, 'BAD_REQUEST');
    assert.equal(ledger.head.seq, 0);
  } finally {
    await server.close();
    await ledger.close();
  }
});

test.run();
