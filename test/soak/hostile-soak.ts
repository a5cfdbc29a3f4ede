// The long hostile-input soak (not part of npm test): `node dist/test/soak/hostile-soak.js [SEQUENCES] [SEED]`.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { memorySequences } from '../support/hostile.js';

const runs = Number(process.argv[2] ?? 100_000);
const seed = process.argv[3] === undefined ? Date.now() : Number(process.argv[3]);
const cwd = readdirSync(process.cwd()).sort();
const started = Date.now();
const { calls, events } = await memorySequences(runs, seed);
assert.deepEqual(readdirSync(process.cwd()).sort(), cwd, 'a file was written in the working folder');
console.log(`hostile soak: ${runs} sequences (seed ${seed}), ${calls} calls, ${events} events stored and validated, ${((Date.now() - started) / 1000).toFixed(0)} s`);
