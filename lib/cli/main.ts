#!/usr/bin/env node
import { program } from './program.js';
import { report } from './common.js';

try {
  await program().parseAsync(process.argv);
} catch (err) {
  process.exitCode = report(err);
}
