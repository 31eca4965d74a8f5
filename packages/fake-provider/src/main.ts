import { parseArgs } from 'node:util';
import { startFakeProvider } from './server.js';
import type { Behaviour } from './types.js';

/**
 * `node packages/fake-provider/dist/main.js [--port 9000] [--host 127.0.0.1] [--chunks N]
 *  [--chunk-delay-ms N] [--headers-delay-ms N] [--no-record] [--require-key K]...`
 * Prints one line with the base URL and runs until SIGTERM/SIGINT.
 */

const USAGE = 'usage: fake-provider [--port N] [--host H] [--chunks N] [--chunk-delay-ms N] [--headers-delay-ms N] [--no-record] [--require-key K]...';

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`fake-provider: --${name} must be a non-negative integer, got '${v}'\n${USAGE}\n`);
    process.exit(1);
  }
  return n;
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      chunks: { type: 'string' },
      'chunk-delay-ms': { type: 'string' },
      'headers-delay-ms': { type: 'string' },
      'no-record': { type: 'boolean' },
      'require-key': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (e) {
  process.stderr.write(`fake-provider: ${(e as Error).message}\n${USAGE}\n`);
  process.exit(1);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const behaviour: Partial<Behaviour> = {};
const chunks = int('chunks', values.chunks);
if (chunks !== undefined) behaviour.chunks = chunks;
const chunkDelayMs = int('chunk-delay-ms', values['chunk-delay-ms']);
if (chunkDelayMs !== undefined) behaviour.chunkDelayMs = chunkDelayMs;
const headersDelayMs = int('headers-delay-ms', values['headers-delay-ms']);
if (headersDelayMs !== undefined) behaviour.headersDelayMs = headersDelayMs;

const fp = await startFakeProvider({
  port: int('port', values.port) ?? 0,
  host: values.host ?? '127.0.0.1',
  behaviour,
  record: !values['no-record'],
  // A long-running process must not grow without bound.
  maxRecorded: 1000,
  requireKey: values['require-key'],
});
process.stdout.write(`fake-provider listening on ${fp.url}\n`);

let closing = false;
const stop = async () => {
  if (closing) return;
  closing = true;
  await fp.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
