// What the numbers were measured on: they mean little without it.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';

const require = createRequire(import.meta.url);

/** The uWebSockets.js package the gateway loads, and whether its native binary loads here. */
function uwsBuild() {
  let pkg = 'uWebSockets.js';
  let version = 'unknown';
  try {
    const meta = require('uWebSockets.js/package.json');
    pkg = meta.name;
    version = meta.version;
  } catch {
    /* not exported on some builds */
  }
  let kind;
  const warn = console.warn;
  const log = console.log;
  try {
    console.warn = console.log = () => {}; // the trufflesuite build prints its fallback warning
    kind = typeof require('uWebSockets.js').getParts === 'function' ? 'native' : 'pure-JS fallback';
  } catch {
    kind = 'not loadable';
  } finally {
    console.warn = warn;
    console.log = log;
  }
  return `${pkg}@${version} (${kind}, ${process.platform}-${process.arch} ABI ${process.versions.modules})`;
}

export function loadAverage() {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

/** CPU model, cores, memory, kernel, Node, uWS, and the tools' versions. */
export function machineInfo(extra = {}) {
  const cpus = os.cpus();
  let kernel = os.release();
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    /* not Linux */
  }
  const wrk = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${kernel}`,
    node: process.version,
    uws: uwsBuild(),
    wrk: (/wrk (\S+)/.exec(`${wrk.stdout ?? ''}${wrk.stderr ?? ''}`) ?? [])[1] ?? 'not installed',
    ...extra,
  };
}
