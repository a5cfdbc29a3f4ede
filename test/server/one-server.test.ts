import assert from 'node:assert/strict';
import { connect, File, open, Transform } from 'lineage-ledger';
import { test } from 'uvu';
import { get, post, serving } from '../support/serve.js';

// lineage serve is one server: the OpenLineage receiver, Marquez's reads, the native API that
// connect() uses and the web page, behind one token and one read-only switch.

test('connect() writes through lineage serve, and what it wrote reads back through the Marquez API and the web page API', async () => {
  const ledger = await open({ memory: true });
  const server = await serving(ledger, { token: 't0k' });
  try {
    const ln = await connect(server.url, { token: 't0k' });
    try {
      await ln.run(new Transform({ name: 'align', version: '1' }), async () => {
        await ln.add(new File(Buffer.from('reads'), { name: 'reads.bam' }));
      });
    } finally {
      await ln.close();
    }
    assert.equal(ledger.select(File, { name: 'reads.bam' }).one().run!.transform.name, 'align');
    const namespaces = await get(`${server.url}/api/v1/namespaces`, 't0k');
    assert.equal(namespaces.status, 200);
    const search = await get(`${server.url}/api/ui/v1/search?q=reads`, 't0k');
    assert.equal(search.status, 200);
    assert.match(JSON.stringify(search.body), /reads\.bam/);
    assert.equal((await get(`${server.url}/api/ui/v1/search?q=reads`)).status, 401, 'the page data needs the token');
    assert.equal((await get(`${server.url}/api/ledger/v1/head`)).status, 401, 'the native API needs the token');
  } finally {
    await server.close();
    await ledger.close();
  }
});

test('a read-only server refuses the native API writes and records nothing, and still answers reads', async () => {
  const ledger = await open({ memory: true });
  const server = await serving(ledger, { readOnly: true });
  try {
    const refused = await post(`${server.url}/api/ledger/v1/transforms`, { transform: { name: 'x' } });
    assert.equal(refused.status, 403);
    assert.equal((refused.body as { code: string }).code, 'READ_ONLY');
    assert.equal(ledger.head.seq, 0);
    const head = await get(`${server.url}/api/ledger/v1/head`);
    assert.equal(head.status, 200);
    assert.equal((head.body as { seq: number }).seq, 0);
  } finally {
    await server.close();
    await ledger.close();
  }
});

test.run();
