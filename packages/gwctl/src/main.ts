#!/usr/bin/env node
import { run } from './run.js';

const code = await run(process.argv.slice(2));
process.exitCode = code;
// Everything is closed by now; this only guards against a stray handle keeping the CLI alive.
setTimeout(() => process.exit(code), 500).unref();
