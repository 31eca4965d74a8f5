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
 * back to a pure-JS server (many times slower) when its binary cannot load; the fallback
 * lacks the native-only exports (`getParts`, `SSLApp`), which is how we tell. The reason
 * is found by loading the binary the package looked for.
 */
export function loadUws(): UwsBuild {
  const require = createRequire(import.meta.url);
  const uws = require('uWebSockets.js') as Uws;
  let pkg = 'uWebSockets.js';
  let version = 'unknown';
  try {
    const meta = require('uWebSockets.js/package.json') as { name?: string; version?: string };
    pkg = meta.name ?? pkg;
    version = meta.version ?? version;
  } catch {
    /* some builds do not export their package.json */
  }
  const binary = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  if (typeof (uws as unknown as Record<string, unknown>).getParts === 'function') {
    return { uws, kind: 'native', pkg, version, detail: `native binary for ${process.platform}-${process.arch} ABI ${process.versions.modules}` };
  }
  let reason = process.env.UWS_USE_FALLBACK ? 'UWS_USE_FALLBACK is set' : `no loadable ${binary}`;
  try {
    require(`uWebSockets.js/binaries/${binary}`);
  } catch (e) {
    if (!process.env.UWS_USE_FALLBACK) reason = (e as Error).message.split('\n')[0]!;
  }
  return { uws, kind: 'fallback', pkg, version, detail: `pure-JS fallback (${reason})` };
}
