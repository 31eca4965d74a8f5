// `--name value` options of the small bench clients (fixed-rate.mjs, slow-streams.mjs) and the
// reference proxies (bare-proxy.mjs, plain-proxy.mjs), which take flat string options and are
// only ever started by the harness.

/** A reader of `--name value` pairs in `argv`: `opt('rate', '2000')`. */
export function cliOpt(argv = process.argv.slice(2)) {
  return (name, def) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : def;
  };
}
