import { createRequire } from 'node:module';

export type Uws = typeof import('uWebSockets.js');

export interface UwsBuild {
  uws: Uws;
  /** `native` when the compiled binary loaded; `fallback` for the slow pure-JS server. */
  kind: 'native' | 'fallback';
  /** Package that provides it (the npm alias target) and its version. */
  pkg: string;
  version: string;
  detail: string;
}

/**
 * Load uWebSockets.js and say which build it is. The trufflesuite package silently falls
 * back to a pure-JS server (≈10× slower) when its binary cannot load; the fallback lacks the
 * native-only exports (`getParts`, `SSLApp`), which is how we tell.
 */
export function loadUws(): UwsBuild {
  const require = createRequire(import.meta.url);
  // The package prints its own fallback warning with console.*; keep it out of our logs.
  const warn = console.warn;
  const log = console.log;
  let captured = '';
  console.warn = (...a: unknown[]) => void (captured += a.join(' ') + '\n');
  console.log = (...a: unknown[]) => void (captured += a.join(' ') + '\n');
  let uws: Uws;
  try {
    uws = require('uWebSockets.js') as Uws;
  } finally {
    console.warn = warn;
    console.log = log;
  }
  let pkg = 'uWebSockets.js';
  let version = 'unknown';
  try {
    const meta = require('uWebSockets.js/package.json') as { name?: string; version?: string };
    pkg = meta.name ?? pkg;
    version = meta.version ?? version;
  } catch {
    /* the official build has no exported package.json on some versions */
  }
  const native = typeof (uws as unknown as Record<string, unknown>).getParts === 'function';
  return {
    uws,
    kind: native ? 'native' : 'fallback',
    pkg,
    version,
    detail: native
      ? `native binary for ${process.platform}-${process.arch} ABI ${process.versions.modules}`
      : captured.trim().split('\n').filter(Boolean).slice(-3).join(' ') || 'pure-JS fallback',
  };
}
