#!/usr/bin/env node
import { run } from './run.js';

// A reader that stopped reading (`gwctl key list | head`) is not an error: stop quietly, as
// Unix tools do, instead of dying on an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const code = await run(process.argv.slice(2));
process.exitCode = code;
// Everything is closed by now; this only guards against a stray handle keeping the CLI alive.
setTimeout(() => process.exit(code), 500).unref();
