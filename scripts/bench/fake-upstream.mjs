#!/usr/bin/env node
// The fake provider as its own process for the benchmark, so that it never shares an event
// loop with the load generator or the gateway. Prints one JSON line {"port":N,"url":…} when
// it listens; stops on SIGTERM/SIGINT.
//   node scripts/bench/fake-upstream.mjs [--port N] [--behaviour '{"chunks":5}']
import { startFakeProvider } from '../../packages/fake-provider/dist/index.js';

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};

const fake = await startFakeProvider({
  port: Number(opt('port', '0')),
  host: '127.0.0.1',
  record: false,
  behaviour: JSON.parse(opt('behaviour', '{}')),
});
process.stdout.write(`${JSON.stringify({ port: fake.port, url: fake.url })}\n`);
const stop = () => void fake.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
