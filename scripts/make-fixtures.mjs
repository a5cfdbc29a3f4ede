// Writes the sample files of `datasets` into fixtures/data: a 15-row excerpt of Fisher's iris data,
// a small gzipped FASTQ, and a small valid BAM (BGZF-compressed, unmapped reads). Deterministic.
import { deflateRawSync, crc32, gzipSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';

const out = new URL('../fixtures/data/', import.meta.url);

const iris = `sepal_length,sepal_width,petal_length,petal_width,iris_organism_code
5.1,3.5,1.4,0.2,0
4.9,3.0,1.4,0.2,0
4.7,3.2,1.3,0.2,0
4.6,3.1,1.5,0.2,0
5.0,3.6,1.4,0.2,0
7.0,3.2,4.7,1.4,1
6.4,3.2,4.5,1.5,1
6.9,3.1,4.9,1.5,1
5.5,2.3,4.0,1.3,1
6.5,2.8,4.6,1.5,1
6.3,3.3,6.0,2.5,2
5.8,2.7,5.1,1.9,2
7.1,3.0,5.9,2.1,2
6.3,2.9,5.6,1.8,2
6.5,3.0,5.8,2.2,2
`;
writeFileSync(new URL('iris.csv', out), iris);

// Reads from a fixed pseudo-random generator, so the bytes never change.
let state = 42;
const rand = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
const reads = Array.from({ length: 8 }, (_, i) => {
  const seq = Array.from({ length: 36 }, () => 'ACGT'[Math.floor(rand() * 4)]).join('');
  const qual = Array.from({ length: 36 }, () => String.fromCharCode(33 + 30 + Math.floor(rand() * 10))).join('');
  return { name: `read${i + 1}`, seq, qual };
});
const fastq = reads.map((r) => `@${r.name}\n${r.seq}\n+\n${r.qual}\n`).join('');
// gzip without a timestamp or name in its header (mtime 0), so the file is reproducible.
const gz = gzipSync(fastq, { level: 9 });
gz.writeUInt32LE(0, 4);
writeFileSync(new URL('input.fastq.gz', out), gz);

function bgzfBlock(data) {
  const cdata = deflateRawSync(data, { level: 9 });
  const header = Buffer.from([31, 139, 8, 4, 0, 0, 0, 0, 0, 255, 6, 0, 66, 67, 2, 0, 0, 0]);
  header.writeUInt16LE(header.length + cdata.length + 8 - 1, 16);
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(crc32(data) >>> 0, 0);
  tail.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, cdata, tail]);
}
const text = Buffer.from('@HD\tVN:1.6\tSO:unsorted\n@SQ\tSN:chr1\tLN:1000\n@PG\tID:lineage-ledger\tPN:fixtures\n');
const parts = [Buffer.from('BAM\x01', 'latin1')];
const i32 = (n) => { const b = Buffer.alloc(4); b.writeInt32LE(n); return b; };
parts.push(i32(text.length), text, i32(1), i32(5), Buffer.from('chr1\0'), i32(1000));
const code = { '=': 0, A: 1, C: 2, G: 4, T: 8, N: 15 };
for (const r of reads) {
  const name = Buffer.from(`${r.name}\0`);
  const seq = Buffer.alloc(Math.ceil(r.seq.length / 2));
  for (let i = 0; i < r.seq.length; i++) seq[i >> 1] |= code[r.seq[i]] << (i % 2 ? 0 : 4);
  const qual = Buffer.from([...r.qual].map((c) => c.charCodeAt(0) - 33));
  const fixed = Buffer.alloc(32);
  fixed.writeInt32LE(-1, 0); // refID: unmapped
  fixed.writeInt32LE(-1, 4); // pos
  fixed.writeUInt8(name.length, 8);
  fixed.writeUInt8(255, 9); // mapq unavailable
  fixed.writeUInt16LE(4680, 10); // bin of an unplaced read
  fixed.writeUInt16LE(0, 12); // no cigar
  fixed.writeUInt16LE(4, 14); // flag: unmapped
  fixed.writeInt32LE(r.seq.length, 16);
  fixed.writeInt32LE(-1, 20);
  fixed.writeInt32LE(-1, 24);
  fixed.writeInt32LE(0, 28);
  const body = Buffer.concat([fixed, name, seq, qual]);
  parts.push(i32(body.length), body);
}
const eof = Buffer.from('1f8b08040000000000ff0600424302001b0003000000000000000000', 'hex');
writeFileSync(new URL('output.bam', out), Buffer.concat([bgzfBlock(Buffer.concat(parts)), eof]));
